import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BuildOptions, build, version as esbuildVersion } from "esbuild";
import { HANDLERS, type HandlerName } from "../lambdas/contracts/routes";
import { LAMBDA_BUNDLING } from "../lib/constructs/bundling";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/**
 * Inside the repository, so what a bundle resolves at run time (the chart renderer's wasm and font, a package
 * left out of a bundle) is found in node_modules as it is from the sources.
 */
const CACHE = join(ROOT, "node_modules/.cache/cxloop/handlers");
const LATEST = join(CACHE, "latest.json");
/** Bundles nobody has started from for this long are removed; a runtime still running has long loaded its own. */
const PRUNE_AFTER_MS = 7 * 24 * 3600 * 1000;
const WORKER_ENTRY = "lambda-worker";

/** `digest` leaves it out on AWS too (lib/constructs/metrics.ts): mjml's minifier loads it on a path never taken. */
const UNBUNDLED = ["typescript"];

const OPTIONS: BuildOptions = {
  entryPoints: {
    ...Object.fromEntries(HANDLERS.map((name) => [name, join(ROOT, `lambdas/handlers/${name}.ts`)])),
    [WORKER_ENTRY]: join(ROOT, "local/lambda-worker.ts"),
  },
  absWorkingDir: ROOT,
  bundle: true,
  platform: "node",
  format: "esm",
  // One build for every function: what several share is one chunk on disk, each still loads only what it imports.
  splitting: true,
  outExtension: { ".js": ".mjs" },
  minify: LAMBDA_BUNDLING.minify,
  sourcemap: LAMBDA_BUNDLING.sourceMap ? "linked" : false,
  sourcesContent: LAMBDA_BUNDLING.sourcesContent,
  target: LAMBDA_BUNDLING.target,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  external: [...LAMBDA_BUNDLING.external, ...UNBUNDLED],
  banner: { js: LAMBDA_BUNDLING.banner },
  logLevel: "silent",
  metafile: true,
};

interface Manifest {
  key: string;
  inputs: string[];
}

export interface HandlerBundles {
  /** The sandbox's own code (local/lambda-worker.ts), built with the functions. */
  worker: URL;
  handler(name: HandlerName): URL;
}

/** Same inputs, same options, same esbuild: same bundles. */
function keyOf(inputs: readonly string[]): string | undefined {
  const hash = createHash("sha256").update(esbuildVersion).update(JSON.stringify(OPTIONS));
  for (const input of [...inputs].sort()) {
    const path = join(ROOT, input);
    if (!existsSync(path)) return undefined;
    hash.update(input).update("\0").update(readFileSync(path)).update("\0");
  }
  return hash.digest("hex").slice(0, 24);
}

function readManifest(): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(LATEST, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

const bundlesIn = (dir: string): HandlerBundles => ({
  worker: pathToFileURL(join(dir, `${WORKER_ENTRY}.mjs`)),
  handler: (name) => pathToFileURL(join(dir, `${name}.mjs`)),
});

function prune(keep: string) {
  const now = Date.now();
  for (const entry of readdirSync(CACHE, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const path = join(CACHE, entry.name);
    if (now - statSync(path).mtimeMs > PRUNE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Every handler bundled as the stack bundles it for Lambda (lib/constructs/bundling.ts: ESM, minified, source
 * maps, the SDK inside), so the local sandboxes run what deploys, and start as fast: no TypeScript loader in
 * each sandbox, and only the code and SDK clients the function imports. Built once and reused until a
 * source, a dependency or the settings change, so a restart or the next test starts at once.
 */
export async function bundleHandlers(log: (line: string) => void): Promise<HandlerBundles> {
  mkdirSync(CACHE, { recursive: true });
  const latest = readManifest();
  if (latest && keyOf(latest.inputs) === latest.key && existsSync(join(CACHE, latest.key))) {
    const dir = join(CACHE, latest.key);
    const touched = new Date();
    utimesSync(dir, touched, touched);
    return bundlesIn(dir);
  }
  const started = Date.now();
  // Built aside and renamed into place: a runtime starting at the same time never sees half a build.
  const building = join(CACHE, `building-${process.pid}-${randomUUID()}`);
  const { metafile } = await build({ ...OPTIONS, outdir: building });
  const inputs = Object.keys(metafile?.inputs ?? {});
  const key = keyOf(inputs) as string;
  const dir = join(CACHE, key);
  try {
    renameSync(building, dir);
  } catch {
    // Another runtime built the same bundles first: theirs are as good.
    rmSync(building, { recursive: true, force: true });
  }
  const pointer = `${LATEST}.${process.pid}`;
  writeFileSync(pointer, JSON.stringify({ key, inputs } satisfies Manifest));
  renameSync(pointer, LATEST);
  prune(key);
  log(`bundled ${HANDLERS.length} functions in ${Date.now() - started} ms`);
  return bundlesIn(dir);
}
