const WIDTH = 600;
const HEIGHT = 220;
const PAD = { left: 44, right: 16, top: 16, bottom: 36 };

const escapeXml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string,
  );

/**
 * A line chart of NPS by period as a self-contained SVG (inline in the digest email; no fonts,
 * scripts or external references). Periods without answers leave a gap in the line.
 * Written by hand: every charting library found needs a DOM or a native canvas.
 */
export function npsTrendSvg(points: readonly { label: string; score: number | null }[], title: string): string {
  const scores = points.map((point) => point.score).filter((score): score is number => score !== null);
  const top = Math.min(100, Math.ceil((Math.max(10, ...scores) + 5) / 10) * 10);
  const bottom = Math.max(-100, Math.floor((Math.min(-10, ...scores) - 5) / 10) * 10);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) =>
    PAD.left + (points.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (points.length - 1));
  const y = (score: number) => PAD.top + ((top - score) * plotHeight) / (top - bottom);
  const fixed = (n: number) => n.toFixed(1);

  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((point, index) => {
    if (point.score === null) {
      if (current.length) segments.push(current.join(" "));
      current = [];
      return;
    }
    current.push(`${current.length ? "L" : "M"}${fixed(x(index))},${fixed(y(point.score))}`);
  });
  if (current.length) segments.push(current.join(" "));

  const gridValues = [top, (top + bottom) / 2, bottom, ...(bottom < 0 && top > 0 ? [0] : [])];
  const grid = [...new Set(gridValues)]
    .map(
      (value) =>
        `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${fixed(y(value))}" y2="${fixed(y(value))}" stroke="${value === 0 ? "#888" : "#ddd"}" stroke-width="1"/>` +
        `<text x="${PAD.left - 6}" y="${fixed(y(value) + 4)}" font-size="11" text-anchor="end" fill="#555">${value}</text>`,
    )
    .join("");
  const labels = points
    .map((point, index) =>
      index % 2 === points.length % 2 || points.length <= 6
        ? `<text x="${fixed(x(index))}" y="${HEIGHT - PAD.bottom + 16}" font-size="10" text-anchor="middle" fill="#555">${escapeXml(point.label.slice(5))}</text>`
        : "",
    )
    .join("");
  const dots = points
    .map((point, index) =>
      point.score === null
        ? ""
        : `<circle cx="${fixed(x(index))}" cy="${fixed(y(point.score))}" r="3" fill="#1f6feb"><title>${escapeXml(point.label)}: ${point.score}</title></circle>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    grid,
    ...segments.map((d) => `<path d="${d}" fill="none" stroke="#1f6feb" stroke-width="2"/>`),
    dots,
    labels,
    "</svg>",
  ].join("");
}
