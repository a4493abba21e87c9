import { fileURLToPath } from "node:url";

import type { HandlerName } from "../../lambdas/contracts/routes";

export const handlerEntry = (name: HandlerName) =>
  fileURLToPath(new URL(`../../lambdas/handlers/${name}.ts`, import.meta.url));

/**
 * esbuild settings shared by the stack and the bench, so the bench measures what deploys.
 * The AWS SDK v3 is bundled, not taken from the Node.js 22 runtime's copy: it starts 10-37%
 * faster (one minified file instead of dozens of CommonJS modules; `npm run bench -- init`), and
 * it is the version the tests ran, not whatever the runtime ships. Bundles are 2-3x larger.
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  sourceMap: true,
  /**
   * Stack traces need only the map's mappings; the sources it would embed (the SDK's among them)
   * triple the map that `--enable-source-maps` reads at every cold start.
   */
  sourcesContent: false,
  target: "node22",
  mainFields: ["module", "main"],
  external: [],
  /** Some CommonJS dependencies call `require`; ESM output needs it defined. */
  banner: "import{createRequire as __cxRequire}from'module';const require=__cxRequire(import.meta.url);",
} as const;

/** Template metadata key naming a function's handler (`lambdas/handlers/<name>.ts`). */
export const HANDLER_METADATA_KEY = "cxloop:handler";
