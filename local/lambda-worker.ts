import { parentPort, workerData } from "node:worker_threads";

/**
 * One Lambda execution environment: its own thread, its own `process.env`,
 * the handler module imported once (cold start) and invoked per message.
 */
interface WorkerInput {
  entry: string;
  env: Record<string, string>;
}
interface Invocation {
  id: number;
  event: unknown;
  context: Record<string, unknown> & { deadline: number };
}

const { entry, env } = workerData as WorkerInput;
Object.assign(process.env, env);
// A thread does not read NODE_OPTIONS; the function's own (--enable-source-maps) is applied as Lambda applies it.
if (env.NODE_OPTIONS?.includes("--enable-source-maps")) process.setSourceMapsEnabled(true);
const port = parentPort;
if (!port) throw new Error("lambda-worker must run in a worker thread");

try {
  const module = (await import(entry)) as { handler?: (event: unknown, context: unknown) => Promise<unknown> };
  const handler = module.handler;
  if (typeof handler !== "function") throw new Error(`${entry} exports no handler`);
  port.on("message", async ({ id, event, context }: Invocation) => {
    const { deadline, ...rest } = context;
    const lambdaContext = {
      ...rest,
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    try {
      const result = await handler(event, lambdaContext);
      port.postMessage({ id, result });
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id, error: { name: failure.name, message: failure.message, stack: failure.stack } });
    }
  });
  port.postMessage({ ready: true });
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ initError: { name: failure.name, message: failure.message, stack: failure.stack } });
}
