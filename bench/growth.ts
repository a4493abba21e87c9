import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { followUpConfigSchema } from "../lambdas/contracts/follow-up-config";
import { hashApiKey } from "../lambdas/core/auth";
import { ensureTable, startDynalite } from "../local/dynamodb";
import { startLocalEventBridge } from "../local/eventbridge";
import { UsageMeter } from "../local/usage";

/**
 * `npm run bench -- growth`: what a request costs as the history behind it grows, small against large, with the
 * same code in one run. Each size is loaded into its own table of one in-memory dynalite by its own worker
 * (bench/growth-worker.ts: the real handlers, configured from the environment as on Lambda, invoked with the
 * events Lambda passes), and the sizes take turns request by request, so whatever else the machine does weighs
 * on both alike. What each request reads is metered at the stand-in (read units, as DynamoDB bills them).
 */
export const GROWTH_SIZES = [
  { name: "small", cases: 200, active: 40, erasureResponses: 50, erasures: 3, riskResponses: 10, listResponses: 1_000 },
  {
    name: "large",
    cases: 5_000,
    active: 40,
    erasureResponses: 1_000,
    erasures: 3,
    riskResponses: 1_000,
    listResponses: 10_000,
  },
] as const;
const RUNS = 11;
const WARMUPS = 2;
const KEY = "bench-growth-key";
const worker = fileURLToPath(new URL("./growth-worker.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));

/** What the bench times, what grows between the sizes, and how many runs (an erasure uses its customer up). */
export const GROWTH_REQUESTS = [
  { request: "stats", what: "GET /v1/cases/stats", grows: "cases 200 → 5,000 (40 open)", runs: RUNS },
  { request: "sweep", what: "SLA sweeper run", grows: "cases 200 → 5,000 (40 due)", runs: RUNS },
  { request: "erase", what: "DELETE /v1/customers/{id}", grows: "the customer's responses 50 → 1,000", runs: 3 },
  { request: "risk", what: "churn risk recomputation", grows: "the customer's responses 10 → 1,000", runs: RUNS },
  {
    request: "list",
    what: "GET /v1/responses?category=passive, first page",
    grows: "responses 1,000 → 10,000 (1% match)",
    runs: RUNS,
  },
] as const;

interface Answer {
  ms: number;
  readUnits: number;
  writeUnits: number;
  [extra: string]: number;
}
export interface GrowthResult {
  request: string;
  what: string;
  grows: string;
  sizes: { medianMs: number; readUnits: number; writeUnits: number; extra: Record<string, number> }[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function startWorker(env: NodeJS.ProcessEnv, size: (typeof GROWTH_SIZES)[number]) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [tsx, worker, JSON.stringify(size), KEY], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`growth worker (${size.name}) ended: ${stderr.slice(-2000)}`);
    return JSON.parse(line.value) as Record<string, number>;
  };
  return {
    ready: next,
    ask: async (request: string) => {
      child.stdin.write(`${request}\n`);
      return next();
    },
    stop: () => child.kill(),
  };
}

export async function growthBench(log: (line: string) => void): Promise<GrowthResult[]> {
  const usage = new UsageMeter(false);
  const dynamo = await startDynalite({ usage });
  const bus = await startLocalEventBridge();
  const workers: ReturnType<typeof startWorker>[] = [];
  try {
    const client = new DynamoDBClient({
      endpoint: dynamo.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const base = {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_EC2_METADATA_DISABLED: "true",
      EVENT_BUS_NAME: "cxloop",
      API_KEYS: JSON.stringify([{ name: "ops", sha256: hashApiKey(KEY), scopes: ["admin"] }]),
      ALLOWED_ORIGINS: "[]",
      FOLLOW_UP_CONFIG: JSON.stringify(followUpConfigSchema.parse({})),
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_SERVICE_NAME: "cxloop-bench",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    log(
      `  loading ${GROWTH_SIZES.map((size) => `${size.name}: ${size.cases} cases, ${size.listResponses + size.erasures * size.erasureResponses + size.riskResponses} responses`).join("; ")}…`,
    );
    for (const size of GROWTH_SIZES) {
      const table = `cxloop-bench-growth-${size.name}`;
      await ensureTable(client, table);
      workers.push(startWorker({ ...base, TABLE_NAME: table }, size));
    }
    for (const [index, ready] of (await Promise.all(workers.map((w) => w.ready()))).entries())
      log(`  ${GROWTH_SIZES[index]?.name} loaded in ${Math.round((ready.loadMs ?? 0) / 1000)} s`);
    client.destroy();

    const results: GrowthResult[] = [];
    for (const { request, what, grows, runs } of GROWTH_REQUESTS) {
      const answers: Answer[][] = workers.map(() => []);
      const warmups = request === "erase" ? 0 : WARMUPS;
      for (let run = 0; run < warmups + runs; run++)
        for (const [index, w] of workers.entries()) {
          usage.reset();
          const answer = await w.ask(request);
          const { dynamodb } = usage.report();
          if (run >= warmups)
            answers[index]?.push({
              ...answer,
              ms: answer.ms as number,
              readUnits: dynamodb.readUnits,
              writeUnits: dynamodb.writeUnits,
            });
        }
      results.push({
        request,
        what,
        grows,
        sizes: answers.map((runsOfSize) => {
          const { ms: _ms, readUnits: _r, writeUnits: _w, ...first } = runsOfSize[0] as Answer;
          return {
            medianMs: median(runsOfSize.map((a) => a.ms)),
            readUnits: median(runsOfSize.map((a) => a.readUnits)),
            writeUnits: median(runsOfSize.map((a) => a.writeUnits)),
            extra: Object.fromEntries(
              Object.keys(first).map((name) => [name, median(runsOfSize.map((a) => a[name] as number))]),
            ),
          };
        }),
      });
      log(`  ${what}: done`);
    }
    return results;
  } finally {
    for (const w of workers) w.stop();
    await bus.close();
    await dynamo.close();
  }
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export function printGrowth(results: GrowthResult[]) {
  console.log(
    `\nGrowth with history: small vs large, same code, sizes in turns (median of ${RUNS} runs after ${WARMUPS} warm-ups; erasure: 3 customers each); RU = read units metered at the stand-in`,
  );
  console.table(
    results.map(({ what, grows, sizes: [small, large] }) => {
      if (!small || !large) throw new Error("two sizes expected");
      const extra = Object.keys(large.extra)
        .map((name) => `${name} ${round(small.extra[name] ?? 0)} / ${round(large.extra[name] ?? 0)}`)
        .join(", ");
      return {
        request: what,
        grows,
        "small ms": round(small.medianMs),
        "large ms": round(large.medianMs),
        "large / small": round(large.medianMs / small.medianMs, 2),
        "RU small / large": `${round(small.readUnits)} / ${round(large.readUnits)}`,
        "RU large / small": round(large.readUnits / small.readUnits, 2),
        ...(extra ? { "small / large": extra } : {}),
      };
    }),
  );
}
