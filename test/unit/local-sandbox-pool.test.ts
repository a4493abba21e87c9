import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type InvocationLog, LambdaError, LambdaHost, type SandboxSettings } from "../../local/lambda-host";

/**
 * A function whose answer tells which sandbox ran it (an id drawn at module scope, so once per cold start),
 * how many invocations that sandbox was running at the time, and how many it had run.
 */
const HANDLER = `
import { randomUUID } from "node:crypto";
const sandbox = randomUUID();
let running = 0;
let invocations = 0;
export const handler = async (event) => {
  running += 1;
  invocations += 1;
  const seen = { sandbox, running, invocations };
  try {
    if (event.crash) setImmediate(() => { throw new Error("crashed outside the handler"); });
    if (event.exit) process.exit(3);
    if (event.hang) await new Promise(() => undefined);
    if (event.log) console.log(event.log);
    await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
    return seen;
  } finally {
    running -= 1;
  }
};
`;

interface Seen {
  sandbox: string;
  running: number;
  invocations: number;
}

let dir: string;
let code: { worker: URL; handler: URL };
const hosts: LambdaHost[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cxloop-pool-"));
  writeFileSync(join(dir, "handler.mjs"), HANDLER);
  // The sandbox's own code, built as the runtime builds it (local/handler-bundles.ts), without the functions.
  await build({
    entryPoints: [join(import.meta.dirname, "../../local/lambda-worker.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: join(dir, "worker.mjs"),
    logLevel: "silent",
  });
  code = { worker: pathToFileURL(join(dir, "worker.mjs")), handler: pathToFileURL(join(dir, "handler.mjs")) };
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function host(settings: Partial<SandboxSettings>, logs: InvocationLog[] = [], output: Buffer[] = []) {
  const created = new LambdaHost(
    "pooled",
    code,
    { env: {}, timeoutMs: 10_000, memoryMb: 512, ...settings },
    (log) => logs.push(log),
    (chunk) => output.push(chunk),
  );
  hosts.push(created);
  return created;
}

const bySandbox = (seen: Seen[]) => {
  const groups = new Map<string, number[]>();
  for (const one of seen) groups.set(one.sandbox, [...(groups.get(one.sandbox) ?? []), one.invocations]);
  return groups;
};

describe("a function's pool of local sandboxes", () => {
  it("gives each sandbox one invocation at a time, and grows to its bound and no further", async () => {
    const pool = host({ maxSandboxes: 3 });
    const seen = await Promise.all(Array.from({ length: 9 }, () => pool.invoke<Seen>({ ms: 100 })));

    expect(seen.map((one) => one.running)).toEqual(Array(9).fill(1));
    const sandboxes = bySandbox(seen);
    expect(sandboxes.size).toBe(3);
    expect(pool.size).toBe(3);
    // Module state is each sandbox's own: every sandbox counted its own invocations from 1.
    for (const counts of sandboxes.values())
      expect([...counts].sort((a, b) => a - b)).toEqual(counts.map((_, index) => index + 1));
  });

  it("reuses an idle sandbox rather than starting another", async () => {
    const pool = host({ maxSandboxes: 4 });
    const first = await pool.invoke<Seen>({});
    const second = await pool.invoke<Seen>({});
    expect(second).toMatchObject({ sandbox: first.sandbox, invocations: 2 });
    expect(pool.size).toBe(1);
  });

  it("stops sandboxes left idle after a burst, all but one, which stays warm", async () => {
    const pool = host({ maxSandboxes: 3, reclaimIdleAfterMs: 200 });
    await Promise.all(Array.from({ length: 3 }, () => pool.invoke<Seen>({ ms: 100 })));
    expect(pool.size).toBe(3);
    await expect.poll(() => pool.size).toBe(1);
    const after = await pool.invoke<Seen>({});
    expect(after.invocations).toBe(2);
    expect(pool.size).toBe(1);
  });

  it("replaces a sandbox that crashed, exited or timed out, and hands the place to an invocation waiting", async () => {
    const logs: InvocationLog[] = [];
    const pool = host({ maxSandboxes: 1, timeoutMs: 500 }, logs);
    const before = await pool.invoke<Seen>({});

    await expect(pool.invoke({ crash: true, ms: 1000 })).rejects.toThrow(/crashed outside the handler/);
    const afterCrash = await pool.invoke<Seen>({});
    expect(afterCrash.sandbox).not.toBe(before.sandbox);
    expect(afterCrash.invocations).toBe(1);

    await expect(pool.invoke({ exit: true })).rejects.toMatchObject({ errorType: "Runtime.ExitError" });
    const afterExit = await pool.invoke<Seen>({});
    expect(afterExit.sandbox).not.toBe(afterCrash.sandbox);

    // The pool is full while the hung invocation runs: the next waits, then gets the replacement.
    const hung = pool.invoke({ hang: true });
    const waiting = pool.invoke<Seen>({});
    await expect(hung).rejects.toMatchObject({ errorType: "Sandbox.Timedout" });
    const afterTimeout = await waiting;
    expect(afterTimeout.sandbox).not.toBe(afterExit.sandbox);
    expect(afterTimeout.invocations).toBe(1);
    expect(pool.size).toBe(1);

    expect(logs.map((log) => log.outcome)).toEqual(["ok", "error", "ok", "error", "ok", "timeout", "ok"]);
  });

  it("meters every invocation of every sandbox, and each sandbox's output", async () => {
    const logs: InvocationLog[] = [];
    const output: Buffer[] = [];
    const pool = host({ maxSandboxes: 2 }, logs, output);
    const seen = await Promise.all(
      Array.from({ length: 6 }, (_, n) => pool.invoke<Seen>({ ms: 50, log: `line ${n}` })),
    );

    expect(bySandbox(seen).size).toBe(2);
    expect(logs).toHaveLength(6);
    expect(logs.every((log) => log.outcome === "ok" && log.memoryMb === 512 && log.durationMs >= 50)).toBe(true);
    await expect.poll(() => Buffer.concat(output).toString().split("\n").filter(Boolean).length).toBe(6);
  });

  it("fails the invocations running and waiting when stopped", async () => {
    const pool = host({ maxSandboxes: 1 });
    const outcomes = Promise.allSettled([pool.invoke({ hang: true }), pool.invoke({})]);
    await expect.poll(() => pool.size).toBe(1);
    await pool.stop();
    expect((await outcomes).map((outcome) => outcome.status === "rejected" && outcome.reason.errorType)).toEqual([
      "Sandbox.Stopped",
      "Sandbox.Stopped",
    ]);
    await expect(pool.invoke({})).rejects.toBeInstanceOf(LambdaError);
  });

  it("throttles every invocation of a function that reserves no concurrency", async () => {
    const pool = host({ maxSandboxes: 0 });
    await expect(pool.invoke({})).rejects.toMatchObject({ errorType: "TooManyRequestsException" });
    expect(pool.size).toBe(0);
  });
});
