import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { hashApiKey } from "../lambdas/core/auth";
import { ensureTable, startDynalite } from "../local/dynamodb";
import type { WorkerResult } from "./metrics-worker";

/**
 * `GET /v1/metrics` over a 90-day window at 10 k and 1 M synthetic responses'
 * worth of day aggregates (180 days loaded, so the previous window the API also
 * reads is full too), both sizes in one table of an in-memory dynalite, timed in one
 * worker process through the real handler, taking turns request by request.
 */
/**
 * Sizes, each over its own 180 days so both live in one table; 10 k is the baseline. The last days
 * are 448 days apart (64 weeks): the same weekdays, and the same place on the grids of the cube's
 * 32-day running sums and the 2-64-day driver blocks, so both windows are read as the same number of
 * items and only the volume differs (364 days apart, as until 2026-12-02, the 1 M window read 8
 * driver items to the 10 k window's 5).
 */
export const METRICS_SIZES = [
  { responses: 10_000, lastDay: "2026-11-20" },
  { responses: 1_000_000, lastDay: "2025-08-29" },
] as const;
/** Timed requests per query and size; most take milliseconds, so many runs steady the medians. */
export const METRICS_RUNS = 101;
const KEY = "bench-read-key";
const worker = fileURLToPath(new URL("./metrics-worker.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url));

function runWorker(env: NodeJS.ProcessEnv): Promise<WorkerResult[]> {
  return new Promise((resolve, reject) => {
    const sizes = METRICS_SIZES.map((size) => `${size.responses}:${size.lastDay}`);
    // Asynchronous on purpose: dynalite answers from this process while the worker runs.
    const child = spawn(process.execPath, [tsx, worker, String(METRICS_RUNS), KEY, ...sizes], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`metrics worker exited ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop() as string) as WorkerResult[]);
    });
  });
}

export async function metricsBench(log: (line: string) => void): Promise<WorkerResult[]> {
  const dynamo = await startDynalite();
  try {
    const base = {
      ...process.env,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_EC2_METADATA_DISABLED: "true",
      API_KEYS: JSON.stringify([{ name: "analyst", sha256: hashApiKey(KEY), scopes: ["read"] }]),
      ALLOWED_ORIGINS: "[]",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_SERVICE_NAME: "cxloop-bench",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const client = new DynamoDBClient({
      endpoint: dynamo.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const table = "cxloop-bench-metrics";
    await ensureTable(client, table);
    log(
      `  loading ${METRICS_SIZES.map((size) => size.responses.toLocaleString("en")).join(" and ")} responses (180 days each), then ${METRICS_RUNS} timed requests per query and size, in turns…`,
    );
    const results = await runWorker({ ...base, TABLE_NAME: table });
    for (const result of results)
      log(
        `  ${result.total.toLocaleString("en")} responses: ${result.putsPerDay.views.toFixed(1)} view items put per day, ${result.putsPerDay.running.toFixed(2)} running sums of the cube and ${result.putsPerDay.blocks.toFixed(2)} driver block items (${result.putsPerDay.blockKb.toFixed(0)} KB); GET /v1/drivers reads ${result.drivers.map((read) => read.items).join(" or ")} items`,
      );
    client.destroy();
    return results;
  } finally {
    await dynamo.close();
  }
}
