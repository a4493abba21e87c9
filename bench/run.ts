import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptSubmission } from "../lambdas/core/submission";
import { buildWidget } from "../web/build";
import { costBench, printCost } from "./cost";
import { exportBench } from "./export";
import { growthBench, printGrowth } from "./growth";
import { DEPLOYED_SDK, type FunctionInit, initBench, SDK_MODES, type Timed } from "./init";
import { METRICS_RUNS, metricsBench } from "./metrics";
import { sentimentBench } from "./sentiment";
import { printThroughput, throughputBench } from "./throughput";

/**
 * `npm run bench`: what a cold start costs, what validation costs and how
 * `GET /v1/metrics` scales with the data, each against a baseline measured in
 * the same run. Prints tables; copy them into bench/RESULTS.md when they change.
 * `npm run bench -- init` (or `validation`, `metrics`, `widget`, `sentiment`, `export`, `cost`, `throughput`, `growth`) runs only those sections.
 */
/** The cold-start goal: module initialisation within 1.5× an empty Node.js process. */
const INIT_GOAL = 1.5;
const THROUGHPUT_MS = 1500;
/** What a page that embeds the widget may download for it, gzipped. */
const WIDGET_BUDGET_KB = 15;
const ROUNDS = 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A deterministic mix of realistic submissions (seeded), as JSON text. */
function payloads(count: number): string[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };
  const comments = [
    "Delivery was late and nobody answered my emails.",
    "Great service, the staff were friendly and quick.",
    "Checkout kept failing on my phone, very frustrating experience overall.",
    "Price is fine but the app is confusing to navigate.",
  ];
  return Array.from({ length: count }, (_, i) => {
    const type = (["nps", "csat", "ces", "comment"] as const)[i % 4];
    const score =
      type === "nps"
        ? Math.floor(random() * 11)
        : type === "csat"
          ? 1 + Math.floor(random() * 5)
          : 1 + Math.floor(random() * 7);
    return JSON.stringify({
      id: `bench-${i}`,
      type,
      ...(type === "comment" ? {} : { score }),
      comment: comments[i % comments.length],
      survey: "post-purchase",
      channel: "web",
      touchpoint: "checkout",
      customer: { id: `c-${i % 500}`, email: `user${i}@example.com`, name: "Ada Lovelace" },
      submittedAt: "2026-11-22T10:15:00Z",
      attributes: { plan: "pro", region: "EU", seats: 12, trial: false },
      locale: "en",
    });
  });
}

function opsPerSecond(work: (text: string) => unknown, inputs: string[]): number {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let ops = 0;
    const started = performance.now();
    while (performance.now() - started < THROUGHPUT_MS) {
      for (const text of inputs) work(text);
      ops += inputs.length;
    }
    rounds.push(ops / ((performance.now() - started) / 1000));
  }
  return median(rounds);
}

const SECTIONS = [
  "init",
  "validation",
  "metrics",
  "widget",
  "sentiment",
  "export",
  "cost",
  "throughput",
  "growth",
] as const;
type Section = (typeof SECTIONS)[number];

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

async function init() {
  const result = await initBench(log);
  const deployed = (f: FunctionInit) => f.modes[DEPLOYED_SDK];
  console.log(
    `\nCold module initialisation, as deployed (AWS SDK ${DEPLOYED_SDK}); ${result.nodeVersion}, median of ${result.rounds} rounds, each next to an empty process`,
  );
  console.table(
    result.functions.map((f) => ({
      function: f.name,
      "bundle KB": round(deployed(f).bytes / 1024, 1),
      "SDK clients": f.clients.map((client) => client.replace("@aws-sdk/", "")).join(" "),
      "init ms": round(deployed(f).init.ms),
      "empty ms": round(deployed(f).init.emptyMs),
      ratio: round(deployed(f).init.ratio, 2),
      "≤ 1.5×": deployed(f).init.ratio <= INIT_GOAL ? "yes" : "no",
    })),
  );
  const unused = result.functions.filter((f) => f.unused.length > 0);
  console.log(
    unused.length === 0
      ? "Every SDK client a function carries is one its role may call (stage with every optional client on)."
      : `Clients carried that the function's role may never call: ${unused.map((f) => `${f.name}: ${f.unused.join(", ")}`).join("; ")}`,
  );
  console.log("\nAWS SDK external (resolved from node_modules, as from the runtime's copy) versus bundled");
  console.table(
    result.functions.map((f) => ({
      function: f.name,
      "external KB": round(f.modes.external.bytes / 1024, 1),
      "external ms": round(f.modes.external.init.ms),
      "external ratio": round(f.modes.external.init.ratio, 2),
      "bundled KB": round(f.modes.bundled.bytes / 1024, 1),
      "bundled ms": round(f.modes.bundled.init.ms),
      "bundled ratio": round(f.modes.bundled.init.ratio, 2),
      "bundled / external": round(f.modes.bundled.init.ms / f.modes.external.init.ms, 2),
    })),
  );
  const over = (timed: Timed) => round(timed.ms - timed.emptyMs);
  console.log(
    "\nWhat parts cost alone, ms over the empty process next to them: the @aws-sdk/* packages it imports, its node: ESM imports",
  );
  console.table(
    result.functions.map((f) => ({
      function: f.name,
      "external: @aws-sdk/* from node_modules": f.modes.external.sdkAlone ? over(f.modes.external.sdkAlone) : "",
      "external: node: ESM imports": over(f.modes.external.builtinsAlone),
      "bundled: node: ESM imports": over(f.modes.bundled.builtinsAlone),
      "ESM-imports node:http (external / bundled)": SDK_MODES.map((mode) =>
        f.modes[mode].esmBuiltins.includes("node:http") ? "yes" : "no",
      ).join(" / "),
    })),
  );
  console.log(
    "\nParts of a function bundled alone (same settings), and one function without source maps, against the empty process next to them",
  );
  console.table(
    result.parts.map((part) => ({
      part: part.label,
      KB: round(part.bytes / 1024, 1),
      ms: round(part.init.ms),
      "over empty ms": over(part.init),
      ratio: round(part.init.ratio, 2),
    })),
  );
  console.log(
    `empty process over all ${result.subjects} subjects' turns: ${round(result.emptyMs)} ms; load average ${round(result.load.before, 1)} at the start, ${round(result.load.after, 1)} at the end (${result.load.cores} cores)`,
  );
}

function validation() {
  log("measuring intake validation throughput…");
  const inputs = payloads(2000);
  const now = new Date("2026-11-22T12:00:00Z");
  const parseOnly = opsPerSecond((text) => JSON.parse(text), inputs);
  const validate = opsPerSecond((text) => acceptSubmission(JSON.parse(text), { now, newId: () => "x" }), inputs);
  console.log("\nIntake validation (same 2,000 payloads, median of 5 rounds of 1.5 s)");
  console.table([
    { work: "JSON.parse (baseline)", "ops/s": Math.round(parseOnly), "vs baseline": 1 },
    {
      work: "JSON.parse + acceptSubmission",
      "ops/s": Math.round(validate),
      "vs baseline": Math.round((validate / parseOnly) * 100) / 100,
    },
  ]);
}

async function metrics() {
  log("timing GET /v1/metrics over 90 days at two data sizes (each in its own process)…");
  const [small, large] = await metricsBench(log);
  if (!small || !large) throw new Error("metrics bench returned no result");
  console.log(
    "\nGET /v1/metrics, 90-day window (reads 180 days: the window and the one before), real handler on dynalite",
  );
  console.table(
    [small, large].map((size) => ({
      responses: size.total,
      "cube cells/day": round(size.cellsPerDay, 1),
      "theme cells/day": round(size.themeCellsPerDay, 1),
      "theme customers/day": round(size.themeCustomersPerDay),
      "load s": round(size.loadMs / 1000, 1),
      "load peak RSS MB": size.loadPeakRssMb,
      "worker RSS at end MB": size.queryPeakRssMb,
    })),
  );
  console.log(
    `Median per request (${METRICS_RUNS} runs per size after warm-up, sizes in turns); ratio = ${large.total / small.total}× the responses`,
  );
  console.table(
    small.queries.map((query, i) => {
      const big = large.queries[i] as (typeof large.queries)[number];
      return {
        query: query.name,
        view: query.view,
        "items 10k / 1M": `${query.items} / ${big.items}`,
        "KB 10k / 1M": `${round(query.bytes / 1024)} / ${round(big.bytes / 1024)}`,
        "10k ms": round(query.medianMs, 1),
        "1M ms": round(big.medianMs, 1),
        "1M / 10k": round(big.medianMs / query.medianMs, 2),
        "10k read / compute ms": `${round(query.readMs, 1)} / ${round(query.computeMs, 1)}`,
        "1M read / compute ms": `${round(big.readMs, 1)} / ${round(big.computeMs, 1)}`,
        "1M p90 ms": round(big.p90Ms, 1),
        "body KB": round(big.bodyKb, 1),
      };
    }),
  );
  console.log(
    `cube cells per day 1M / 10k: ${round(large.cellsPerDay / small.cellsPerDay, 2)} (target for the time ratio: ≤ 1.5)`,
  );
  for (const [index, wide] of large.drivers.entries()) {
    const base = small.drivers[index] as (typeof small.drivers)[number];
    console.log(
      `GET /v1/drivers, 90 days ending ${wide.endsDaysBefore} days before the last (${base.items} / ${wide.items} items): 10k ${round(base.medianMs, 1)} ms (${round(base.bytes / 1024)} KB read), 1M ${round(wide.medianMs, 1)} ms (${round(wide.bytes / 1024)} KB read, p90 ${round(wide.p90Ms, 1)} ms), 1M / 10k ${round(wide.medianMs / base.medianMs, 2)}; read / compute ms 10k ${round(base.readMs, 1)} / ${round(base.computeMs, 1)}, 1M ${round(wide.readMs, 1)} / ${round(wide.computeMs, 1)}`,
    );
  }
}

async function widget() {
  const outDir = mkdtempSync(join(tmpdir(), "cxloop-bench-widget-"));
  try {
    const built = await buildWidget({ outDir });
    console.log("\nwidget.js as the site serves it (web/build.ts: esbuild, IIFE, minified)");
    console.table([
      {
        file: "widget.js",
        "minified KB": round(built.bytes / 1024, 1),
        "gzipped KB": round(built.gzippedBytes / 1024, 1),
        "budget KB (gzipped)": WIDGET_BUDGET_KB,
        "within budget": built.gzippedBytes <= WIDGET_BUDGET_KB * 1024 ? "yes" : "no",
      },
    ]);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  const run = (section: Section) => asked.length === 0 || asked.includes(section);
  if (run("init")) await init();
  if (run("validation")) validation();
  if (run("metrics")) await metrics();
  if (run("widget")) await widget();
  if (run("sentiment")) sentimentBench(log);
  if (run("export")) await exportBench(log);
  if (run("cost")) printCost(await costBench(log));
  if (run("throughput")) printThroughput(await throughputBench(log));
  if (run("growth")) printGrowth(await growthBench(log));
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
