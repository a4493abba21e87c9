import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { HANDLERS, type HandlerName } from "../lambdas/contracts/routes";
import { acceptSubmission } from "../lambdas/core/submission";
import { handlerEntry, LAMBDA_BUNDLING } from "../lib/constructs/bundling";
import { METRICS_RUNS, metricsBench } from "./metrics";

/**
 * `npm run bench`: what a cold start costs, what validation costs and how
 * `GET /v1/metrics` scales with the data, each against a baseline measured in
 * the same run. Prints tables; copy them into bench/RESULTS.md when they change.
 * `npm run bench -- metrics` (or `startup`, `validation`) runs only those sections.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the repo so the bundles' external @aws-sdk/* imports resolve from node_modules.
const out = join(root, "node_modules", ".cache", "cxloop-bench");
const INIT_RUNS = 15;
const WARMUPS = 2;
const THROUGHPUT_MS = 1500;
const ROUNDS = 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const log = (line: string) => process.stderr.write(`${line}\n`);

async function bundle(name: HandlerName, externalSdk = true): Promise<string> {
  const outfile = join(out, `${name}${externalSdk ? "" : "-with-sdk"}.mjs`);
  await build({
    entryPoints: [handlerEntry(name)],
    bundle: true,
    platform: "node",
    format: "esm",
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: "external",
    target: LAMBDA_BUNDLING.target,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    external: externalSdk ? [...LAMBDA_BUNDLING.external] : [],
    banner: { js: LAMBDA_BUNDLING.banner },
    outfile,
    logLevel: "silent",
  });
  return outfile;
}

/** Median wall time of `node <file>` over several runs: process start plus module initialisation. */
function timeNode(file: string): number {
  const env = {
    ...process.env,
    QUEUE_URL: "http://127.0.0.1:1/000000000000/q",
    TABLE_NAME: "t",
    EVENT_BUS_NAME: "b",
    API_KEYS: "[]",
    ALLOWED_ORIGINS: "[]",
    FOLLOW_UP_CONFIG: "{}",
    COMMENT_RETENTION_DAYS: "365",
    DIGEST_RECIPIENTS: "[]",
    AWS_REGION: "us-east-1",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const times: number[] = [];
  for (let run = 0; run < WARMUPS + INIT_RUNS; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [file], { env, stdio: ["ignore", "ignore", "pipe"] });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${file} failed to load: ${result.stderr.toString().slice(0, 500)}`);
    if (run >= WARMUPS) times.push(elapsed);
  }
  return median(times);
}

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

const SECTIONS = ["startup", "validation", "metrics"] as const;
type Section = (typeof SECTIONS)[number];

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

async function startup() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  log(`bundling ${HANDLERS.length} handlers with the stack's esbuild settings…`);
  const files = new Map<HandlerName, string>();
  for (const name of HANDLERS) files.set(name, await bundle(name));
  const intakeWithSdk = await bundle("intake", false);

  const empty = join(out, "empty.mjs");
  writeFileSync(empty, "");
  log(`timing module initialisation (${INIT_RUNS} runs each after ${WARMUPS} warm-ups)…`);
  const baseline = timeNode(empty);
  const rows: Record<string, string | number>[] = [];
  for (const [name, file] of files) {
    const wrapper = join(out, `load-${name}.mjs`);
    writeFileSync(wrapper, `await import(${JSON.stringify(`./${name}.mjs`)});\n`);
    log(`  ${name}`);
    const initMs = timeNode(wrapper);
    rows.push({
      handler: name,
      "bundle KB": Math.round(statSync(file).size / 102.4) / 10,
      "init ms (median)": Math.round(initMs),
      "empty node ms": Math.round(baseline),
      "init / empty": Math.round((initMs / baseline) * 100) / 100,
    });
  }
  console.log("\nBundles and cold module initialisation (AWS SDK external, as deployed)");
  console.table(rows);
  const intakeKb = statSync(files.get("intake") as string).size / 1024;
  const withSdkKb = statSync(intakeWithSdk).size / 1024;
  console.log(
    `intake with the AWS SDK bundled: ${withSdkKb.toFixed(1)} KB, ${(withSdkKb / intakeKb).toFixed(2)}× the deployed ${intakeKb.toFixed(1)} KB (budget 300 KB)`,
  );
  rmSync(out, { recursive: true, force: true });
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
  console.log(
    `GET /v1/drivers, same 90 days: 10k ${round(small.drivers.medianMs, 1)} ms (${round(small.drivers.bytes / 1024)} KB read), 1M ${round(large.drivers.medianMs, 1)} ms (${round(large.drivers.bytes / 1024)} KB read, p90 ${round(large.drivers.p90Ms, 1)} ms), 1M / 10k ${round(large.drivers.medianMs / small.drivers.medianMs, 2)}`,
  );
}

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  const run = (section: Section) => asked.length === 0 || asked.includes(section);
  if (run("startup")) await startup();
  if (run("validation")) validation();
  if (run("metrics")) await metrics();
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
