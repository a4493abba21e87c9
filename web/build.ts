import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Plugin, transform } from "esbuild";
import { WIDGET_PATH } from "./widget/served-at";

const ENTRY = fileURLToPath(new URL("./console/main.tsx", import.meta.url));
const WIDGET_ENTRY = fileURLToPath(new URL("./widget/main.ts", import.meta.url));
const WIDGET_FILE = basename(WIDGET_PATH);

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

/**
 * Builds the console into `outDir` as static files: index.html, app.js, app.css, and the widget at the path it is
 * served from (`v1/widget.js`), so the site's deployment carries it. `gzippedBytes` is the console's alone.
 */
export async function buildConsole(options: { outDir: string; minify?: boolean }): Promise<ConsoleBuild> {
  const outDir = resolve(options.outDir);
  const widget = join(outDir, WIDGET_PATH);
  const [result] = await Promise.all([
    build({
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
    }),
    buildWidget({ outDir: dirname(widget), minify: options.minify }),
  ]);
  const outputs = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    { path: join(outDir, "index.html"), contents: new TextEncoder().encode(INDEX_HTML) },
  ];
  await mkdir(outDir, { recursive: true });
  await Promise.all(outputs.map((file) => writeFile(file.path, file.contents)));
  return {
    files: [...outputs.map((file) => file.path), widget].map((path) => relative(outDir, path)).sort(),
    gzippedBytes: outputs.reduce((sum, file) => sum + gzipSync(file.contents).byteLength, 0),
  };
}

export interface WidgetBuild {
  /** Minified size of `widget.js`. */
  bytes: number;
  /** What a host page downloads (the budget is 15 KB). */
  gzippedBytes: number;
}

/** The widget's stylesheet, minified, as the text its constructable stylesheet is given. */
const cssAsMinifiedText = (minify: boolean): Plugin => ({
  name: "css-as-minified-text",
  setup(plugin) {
    plugin.onLoad({ filter: /\.css$/ }, async ({ path }) => ({
      contents: (await transform(await readFile(path, "utf8"), { loader: "css", minify })).code,
      loader: "text",
    }));
  },
});

/**
 * Builds the embeddable survey into `outDir/widget.js`: one classic script (an IIFE: a host page loads it with a
 * plain `<script src>`, and it leaves no global behind), no framework.
 */
export async function buildWidget(options: { outDir: string; minify?: boolean }): Promise<WidgetBuild> {
  const minify = options.minify ?? true;
  const result = await build({
    entryPoints: [WIDGET_ENTRY],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify,
    sourcemap: false,
    plugins: [cssAsMinifiedText(minify)],
    write: false,
    logLevel: "warning",
  });
  const [script] = result.outputFiles;
  if (!script) throw new Error("esbuild wrote no widget.js");
  await mkdir(options.outDir, { recursive: true });
  await writeFile(join(options.outDir, WIDGET_FILE), script.contents);
  return { bytes: script.contents.byteLength, gzippedBytes: gzipSync(script.contents).byteLength };
}

const runAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (runAsScript) {
  const outDir = process.argv[2] ?? "cdk.out/console";
  const { files, gzippedBytes } = await buildConsole({ outDir });
  console.log(
    `console built in ${outDir}: ${files.join(", ")}; first load ${(gzippedBytes / 1024).toFixed(1)} KB gzipped (widget.js not counted)`,
  );
}
