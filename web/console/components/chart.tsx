import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartLine {
  label: string;
  values: (number | null)[];
  color: string;
}

export interface ChartData {
  /** Unix seconds. */
  x: number[];
  lines: ChartLine[];
  /** A shaded band between two edges, drawn behind the lines (a confidence interval). */
  band?: { label: string; low: (number | null)[]; high: (number | null)[] };
  yRange?: [number, number];
  /** x values are calendar days (UTC midnight), not instants: label them without shifting into the viewer's zone. */
  calendarDays?: boolean;
}

const HEIGHT = 260;
const AXIS_TEXT = "#4b5563";
const GRID = "#e5e7eb";
const BAND_EDGE = "#93c5fd";
const BAND_FILL = "rgba(37, 99, 235, 0.12)";

function options(data: ChartData, width: number): uPlot.Options {
  const axis: uPlot.Axis = { stroke: AXIS_TEXT, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 } };
  const lines: uPlot.Series[] = data.lines.map((line) => ({
    label: line.label,
    stroke: line.color,
    width: 2,
    spanGaps: true,
    points: { show: true, size: 5, fill: line.color },
  }));
  const edges: uPlot.Series[] = data.band
    ? [
        { label: `${data.band.label} low`, stroke: BAND_EDGE, width: 1, points: { show: false } },
        { label: `${data.band.label} high`, stroke: BAND_EDGE, width: 1, points: { show: false } },
      ]
    : [];
  const lowIndex = data.lines.length + 1;
  return {
    width,
    height: HEIGHT,
    // The legend below and the pages' data tables replace uPlot's hover legend, a table without headers.
    legend: { show: false },
    cursor: { show: true, points: { show: false } },
    tzDate: data.calendarDays ? (seconds) => uPlot.tzDate(new Date(seconds * 1000), "UTC") : undefined,
    scales: { x: { time: true }, y: data.yRange ? { range: data.yRange } : {} },
    axes: [axis, axis],
    series: [{}, ...lines, ...edges],
    bands: data.band ? [{ series: [lowIndex + 1, lowIndex], fill: BAND_FILL }] : [],
  };
}

/**
 * A uPlot time chart sized to its container, with a legend. `label` is its text alternative; pages
 * also offer the numbers as a table.
 */
export function Chart({ label, data }: { label: string; data: ChartData }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = container.current;
    if (target === null) return;
    const series = [data.x, ...data.lines.map((line) => line.values)];
    if (data.band) series.push(data.band.low, data.band.high);
    const plot = new uPlot(options(data, target.clientWidth), series as uPlot.AlignedData, target);
    const resize = new ResizeObserver(() => plot.setSize({ width: target.clientWidth, height: HEIGHT }));
    resize.observe(target);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data]);
  return (
    <figure class="chart">
      <div role="img" aria-label={label} ref={container} />
      <figcaption>
        <ul class="chart-legend">
          {data.lines.map((line) => (
            <li key={line.label}>
              <span class="chart-swatch" style={{ background: line.color }} />
              {line.label}
            </li>
          ))}
          {data.band && (
            <li>
              <span class="chart-swatch chart-swatch-band" style={{ background: BAND_FILL, borderColor: BAND_EDGE }} />
              {data.band.label}
            </li>
          )}
        </ul>
      </figcaption>
    </figure>
  );
}
