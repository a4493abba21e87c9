import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("./console/main.tsx", import.meta.url));

/**
 * The page that loads the app. Nothing inline (no script, no style attribute), so it works under
 * `Content-Security-Policy: default-src 'self'`; absolute paths, so deep links such as
 * /cases/case-x load the same files.
 */
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>cxloop</title>
    <link rel="stylesheet" href="/app.css">
    <script type="module" src="/app.js"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The cxloop console needs JavaScript.</noscript>
  </body>
</html>
`;

export interface ConsoleBuild {
  /** What was written, relative to `outDir`. */
  files: string[];
  /** Gzipped size of everything a first load fetches (the page, the script, the stylesheet). */
  gzippedBytes: number;
}

/** Builds the console into `outDir` as static files: index.html, app.js, app.css. */
export async function buildConsole(options: { outDir: string; minify?: boolean }): Promise<ConsoleBuild> {
  const outDir = resolve(options.outDir);
  const result = await build({
    entryPoints: { app: ENTRY },
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: false,
    jsx: "automatic",
    jsxImportSource: "preact",
    loader: { ".css": "css" },
    // Written below, so exactly these files land and their sizes are measured from what was written.
    write: false,
    logLevel: "warning",
  });
  const outputs = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    { path: join(outDir, "index.html"), contents: new TextEncoder().encode(INDEX_HTML) },
  ];
  await mkdir(outDir, { recursive: true });
  await Promise.all(outputs.map((file) => writeFile(file.path, file.contents)));
  return {
    files: outputs.map((file) => relative(outDir, file.path)).sort(),
    gzippedBytes: outputs.reduce((sum, file) => sum + gzipSync(file.contents).byteLength, 0),
  };
}

const runAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (runAsScript) {
  const outDir = process.argv[2] ?? "cdk.out/console";
  const { files, gzippedBytes } = await buildConsole({ outDir });
  console.log(
    `console built in ${outDir}: ${files.join(", ")}; first load ${(gzippedBytes / 1024).toFixed(1)} KB gzipped`,
  );
}
