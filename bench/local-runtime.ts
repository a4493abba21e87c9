import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../local/runtime";

/** An API call that throws on a 4xx or 5xx, answering the parsed JSON. */
export type ApiCall = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/**
 * A bench's own local runtime (`npm start`'s code path) on a fresh data directory, quiet, schedules run only on
 * demand; stopped and its data removed when `run` is done, whatever happens.
 */
export async function withLocalRuntime<T>(
  name: string,
  options: Partial<LocalRuntimeOptions>,
  run: (runtime: LocalRuntime, call: ApiCall, apiKey: string) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), `cxloop-bench-${name}-`));
  const apiKey = `bench-${name}-key`;
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    apiKey,
    cdkJsonPath: join(import.meta.dirname, "../cdk.json"),
    log: () => undefined,
    runSchedules: false,
    ...options,
  });
  const call: ApiCall = async (method, path, body) => {
    const answer = await fetch(`${runtime.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (answer.status >= 400) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
    return answer.json() as Promise<Record<string, unknown>>;
  };
  try {
    return await run(runtime, call, apiKey);
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
