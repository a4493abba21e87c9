import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { once } from "./clients/once";

/**
 * The files resvg needs at run time, by module path. Resolved the same way from the sources and from a
 * Lambda bundle, which ships them under its own node_modules (`CxFunctionProps.shippedFiles`): WebAssembly,
 * not a native addon, so an x64 machine can build for arm64; and a font of our own, because Lambda has none.
 */
export const CHART_RENDERER_FILES = ["@resvg/resvg-wasm/index_bg.wasm", "dejavu-fonts-ttf/ttf/DejaVuSans.ttf"] as const;
const [WASM, FONT] = CHART_RENDERER_FILES;
const FONT_FAMILY = "DejaVu Sans";
/** Twice the SVG's size, so the chart stays sharp on high-density screens when shown at its own width. */
const ZOOM = 2;

const resolve = createRequire(import.meta.url).resolve;
const ready = /* @__PURE__ */ once(async () => {
  const [wasm, font] = await Promise.all([readFile(resolve(WASM)), readFile(resolve(FONT))]);
  await initWasm(wasm);
  return new Uint8Array(font);
});

/** Renders an SVG to PNG with resvg, text in the shipped font. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const font = await ready();
  const renderer = new Resvg(svg, {
    font: { fontBuffers: [font], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: "zoom", value: ZOOM },
  });
  // WebAssembly memory is not garbage collected: a warm container would grow with every digest.
  try {
    const image = renderer.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    renderer.free();
  }
}
