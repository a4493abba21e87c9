import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runDemo } from "./demo";
import { startLocalRuntime } from "./runtime";

/**
 * `npm start`: the whole pipeline on this machine, from the synthesized stack,
 * with no AWS account and no Docker. `npm run demo` adds a stream of sample feedback.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const dataDir = resolve(process.env.CXLOOP_DATA_DIR ?? resolve(root, ".cxloop"));
const port = Number(process.env.PORT ?? 3000);
const demo = process.argv.includes("--demo");

function localApiKey(): { key: string; source: string } {
  if (process.env.CXLOOP_LOCAL_API_KEY)
    return { key: process.env.CXLOOP_LOCAL_API_KEY, source: "CXLOOP_LOCAL_API_KEY" };
  const file = resolve(dataDir, "api-key");
  if (existsSync(file)) return { key: readFileSync(file, "utf8").trim(), source: file };
  mkdirSync(dataDir, { recursive: true });
  const key = `cxl_local_${randomBytes(18).toString("hex")}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, source: `${file} (new)` };
}

async function main() {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a number between 0 and 65535 (got ${process.env.PORT})`);
    process.exit(2);
  }
  const started = Date.now();
  const { key, source } = localApiKey();
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>>;
  try {
    runtime = await startLocalRuntime({ port, dataDir, apiKey: key, cdkJsonPath: resolve(root, "cdk.json") });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      console.error(`Port ${port} is already in use. Stop whatever is using it, or run: PORT=3001 npm start`);
      process.exit(1);
    }
    console.error(`cxloop could not start: ${(error as Error).message}`);
    process.exit(1);
  }

  const { url, endpoints, topology } = runtime;
  console.log(`
cxloop is running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)

  API          ${url}/v1   (${topology.routes.length} routes, ${topology.functions.length} functions, ${topology.queueMappings.length} queue mappings, ${topology.rules.length} rules)
  API key      ${key}   (from ${source})
  Data         ${dataDir}
  Stand-ins    DynamoDB ${endpoints.dynamodb}  SQS ${endpoints.sqs}  EventBridge ${endpoints.events}
  Inspect      ${url}/_local/health  ${url}/_local/outbox  ${url}/_local/schedules  ${url}/_local/usage

Try it:
  curl -sS -X POST ${url}/v1/responses -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\
    -d '{"id":"hello-1","type":"nps","score":3,"comment":"Delivery was late","customer":{"id":"c-1"}}'
  curl -sS ${url}/v1/responses/hello-1 -H "Authorization: Bearer ${key}"

Ctrl-C stops once queued work is finished (what is accepted is journaled, so even a crash loses nothing).
`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      console.log("Stopping now; unfinished work stays journaled and is picked up on the next start.");
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: finishing in-flight work (Ctrl-C again to stop at once)…`);
    await runtime.stop();
    console.log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  // Ctrl-C during the demo turns its requests away (503, then closed): that must not end the drain.
  if (demo)
    await runDemo({ baseUrl: url, apiKey: key, log: (line) => console.log(line) }).catch((error: Error) => {
      if (!stopping) console.error(`demo: ${error.message}`);
    });
}

void main();
