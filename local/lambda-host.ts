import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-local";

/** What a sandbox runs: the bundled sandbox code (local/lambda-worker.ts) and the function's bundle. */
export interface SandboxCode {
  worker: URL;
  handler: URL;
}

export class LambdaError extends Error {
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
  }
}

/** The function's configuration its sandboxes apply: environment, timeout, memory size, how many may run at once. */
export interface SandboxSettings {
  env: Record<string, string>;
  timeoutMs: number;
  memoryMb: number;
  /** The most sandboxes (so concurrent invocations) the function may have; DEFAULT_MAX_SANDBOXES when absent. */
  maxSandboxes?: number;
  /** How long a sandbox may stay idle before it is stopped, all but one; RECLAIM_IDLE_AFTER_MS when absent. */
  reclaimIdleAfterMs?: number;
}

export interface InvocationLog {
  functionName: string;
  /** Rounded up to the next millisecond, as Lambda bills it; a cold start's init included, as Lambda bills it too. */
  durationMs: number;
  memoryMb: number;
  outcome: "ok" | "error" | "timeout";
}

/**
 * Sandboxes per function when neither the template (ReservedConcurrentExecutions) nor the runtime's options
 * say fewer. Lambda would start one per concurrent invocation, up to the account's 1,000; here each is a thread
 * holding its own copy of the bundle (50 to 100 MB), and the threads share this machine's cores, so beyond a
 * few per core more sandboxes only queue for the CPU.
 */
export const DEFAULT_MAX_SANDBOXES = Math.max(4, 2 * availableParallelism());

/**
 * Lambda reclaims an environment some minutes after its last invocation; here a sandbox beyond a function's
 * last one is stopped after a minute idle, so a burst does not leave its threads' memory held for good.
 */
export const RECLAIM_IDLE_AFTER_MS = 60_000;

type Output = (chunk: Buffer, stream: "stdout" | "stderr") => void;

interface Running {
  id: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One execution environment: a worker thread with the function's environment that imports its bundle once
 * (the cold start; module scope lives as long as the sandbox) and runs one invocation at a time. A timeout,
 * a crash or a failed init ends it for good; the function's pool starts another when one is needed.
 */
class Sandbox {
  readonly ready: Promise<void>;
  /** False once the sandbox failed to start, timed out, crashed or was stopped. */
  usable = true;
  /** Set while the sandbox is idle: when it is reclaimed. */
  reclaim?: NodeJS.Timeout;
  private readonly worker: Worker;
  private running?: Running;
  private nextId = 1;
  private failStart: (error: Error) => void = () => undefined;

  constructor(
    private readonly functionName: string,
    code: SandboxCode,
    env: Record<string, string>,
    onOutput: Output,
  ) {
    const worker = new Worker(code.worker, {
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: { entry: code.handler.href, env },
    });
    this.worker = worker;
    // Taken here rather than left to Node to pass on, so they can be counted.
    worker.stdout.on("data", (chunk: Buffer) => onOutput(chunk, "stdout"));
    worker.stderr.on("data", (chunk: Buffer) => onOutput(chunk, "stderr"));
    this.ready = new Promise((resolve, reject) => {
      this.failStart = reject;
      worker.on("message", (message: Record<string, unknown>) => {
        if (message.ready) return resolve();
        if (message.initError) {
          const init = message.initError as { name: string; message: string };
          this.usable = false;
          void worker.terminate();
          return reject(new LambdaError(functionName, `Runtime.ImportModuleError ${init.name}`, init.message));
        }
        const running = this.running;
        if (!running || running.id !== message.id) return;
        this.running = undefined;
        clearTimeout(running.timer);
        if (message.error) {
          const failure = message.error as { name: string; message: string };
          running.reject(new LambdaError(functionName, failure.name, failure.message));
        } else running.resolve(message.result);
      });
      worker.on("error", (error) => {
        this.end(error);
        reject(error);
      });
      worker.on("exit", (code) => {
        const exited = new LambdaError(functionName, "Runtime.ExitError", `the sandbox exited with code ${code}`);
        this.end(exited);
        reject(exited);
      });
    });
    // A failed start is reported to whoever invokes (or warms) it; nobody may be waiting yet.
    this.ready.catch(() => undefined);
  }

  run(event: unknown, context: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.running = undefined;
        // The handler may still be running: the sandbox is discarded, as Lambda discards it.
        this.usable = false;
        void this.worker.terminate();
        reject(
          new LambdaError(this.functionName, "Sandbox.Timedout", `Task timed out after ${timeoutMs / 1000} seconds`),
        );
      }, timeoutMs);
      this.running = { id, resolve, reject, timer };
      this.worker.postMessage({ id, event, context });
    });
  }

  /** Discards the sandbox; an invocation still running fails with `reason`. */
  async stop(reason: Error): Promise<void> {
    this.end(reason);
    this.failStart(reason);
    await this.worker.terminate();
  }

  private end(error: Error) {
    this.usable = false;
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    clearTimeout(running.timer);
    running.reject(error);
  }
}

/**
 * Runs one function as Lambda does: a pool of sandboxes, each taking one invocation at a time. An invocation
 * takes an idle sandbox (the one used last, so the others can stay cold), else starts one (a cold start) while
 * the pool is below its bound, else waits for the first to come free. A sandbox that timed out or crashed
 * is dropped from the pool, and its place goes to the next invocation waiting.
 */
export class LambdaHost {
  private readonly sandboxes = new Set<Sandbox>();
  private readonly idle: Sandbox[] = [];
  private readonly waiting: { resolve: (sandbox: Sandbox) => void; reject: (error: Error) => void }[] = [];
  private inFlight = 0;
  private stopped = false;
  readonly maxSandboxes: number;

  constructor(
    readonly functionName: string,
    private readonly code: SandboxCode,
    private readonly settings: SandboxSettings,
    private readonly onInvocation: (log: InvocationLog) => void = () => undefined,
    /** What the function writes to stdout or stderr (what CloudWatch Logs would ingest); by default passed on. */
    private readonly onOutput: Output = (chunk, stream) => process[stream].write(chunk),
  ) {
    this.maxSandboxes = settings.maxSandboxes ?? DEFAULT_MAX_SANDBOXES;
  }

  /** Starts a sandbox now, if the function has none yet, instead of on the first invocation. */
  warm(): Promise<void> {
    if (this.stopped || this.maxSandboxes < 1) return Promise.resolve();
    const first = this.sandboxes.values().next().value;
    if (first) return first.ready;
    const sandbox = this.start();
    this.idle.push(sandbox);
    return sandbox.ready;
  }

  async invoke<T = unknown>(event: unknown): Promise<T> {
    if (this.stopped) throw new LambdaError(this.functionName, "Sandbox.Stopped", "the local runtime is stopping");
    // Reserved concurrency 0: Lambda throttles every invocation.
    if (this.maxSandboxes < 1) throw new LambdaError(this.functionName, "TooManyRequestsException", "Rate Exceeded.");
    this.inFlight += 1;
    let sandbox: Sandbox | undefined;
    let started: number | undefined;
    let outcome: InvocationLog["outcome"] = "ok";
    try {
      sandbox = await this.acquire();
      // Billed from here: waiting for a free sandbox is not running, a cold start's init is.
      started = performance.now();
      await sandbox.ready;
      const { timeoutMs, memoryMb } = this.settings;
      const context = {
        functionName: this.functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${this.functionName}`,
        memoryLimitInMB: String(memoryMb),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${this.functionName}`,
        logStreamName: "local",
        deadline: Date.now() + timeoutMs,
      };
      return (await sandbox.run(event, context, timeoutMs)) as T;
    } catch (error) {
      outcome = error instanceof LambdaError && error.errorType === "Sandbox.Timedout" ? "timeout" : "error";
      throw error;
    } finally {
      this.inFlight -= 1;
      if (sandbox) this.release(sandbox);
      if (started !== undefined)
        this.onInvocation({
          functionName: this.functionName,
          durationMs: Math.ceil(performance.now() - started),
          memoryMb: this.settings.memoryMb,
          outcome,
        });
    }
  }

  /** True while an invocation is running or waiting for a sandbox. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Sandboxes in the pool, starting, idle or running. */
  get size(): number {
    return this.sandboxes.size;
  }

  /** Discards every sandbox; invocations still running or waiting fail, as they would if Lambda reclaimed them. */
  async stop(): Promise<void> {
    this.stopped = true;
    const stopped = new LambdaError(this.functionName, "Sandbox.Stopped", "the local runtime stopped");
    for (const waiter of this.waiting.splice(0)) waiter.reject(stopped);
    for (const sandbox of this.idle.splice(0)) clearTimeout(sandbox.reclaim);
    const sandboxes = [...this.sandboxes];
    this.sandboxes.clear();
    await Promise.all(sandboxes.map((sandbox) => sandbox.stop(stopped)));
  }

  private acquire(): Sandbox | Promise<Sandbox> {
    const idle = this.idle.pop();
    if (idle) {
      clearTimeout(idle.reclaim);
      return idle;
    }
    if (this.sandboxes.size < this.maxSandboxes) return this.start();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private start(): Sandbox {
    const sandbox = new Sandbox(this.functionName, this.code, this.settings.env, this.onOutput);
    this.sandboxes.add(sandbox);
    // One that fails to start while nobody holds it (warmed) leaves the pool; a held one leaves on release.
    sandbox.ready.catch(() => {
      const at = this.idle.indexOf(sandbox);
      if (at < 0) return;
      this.idle.splice(at, 1);
      this.discard(sandbox);
    });
    return sandbox;
  }

  /** Hands the sandbox to the first invocation waiting, or keeps it idle; one that is done for makes room. */
  private release(sandbox: Sandbox) {
    if (this.stopped) return;
    if (!sandbox.usable) return this.discard(sandbox);
    const waiter = this.waiting.shift();
    if (waiter) return waiter.resolve(sandbox);
    this.idle.push(sandbox);
    sandbox.reclaim = setTimeout(() => {
      const at = this.idle.indexOf(sandbox);
      if (at < 0 || this.sandboxes.size <= 1) return;
      this.idle.splice(at, 1);
      this.sandboxes.delete(sandbox);
      void sandbox.stop(new LambdaError(this.functionName, "Sandbox.Reclaimed", "idle"));
    }, this.settings.reclaimIdleAfterMs ?? RECLAIM_IDLE_AFTER_MS);
    // An idle sandbox keeps no process alive.
    sandbox.reclaim.unref();
  }

  private discard(sandbox: Sandbox) {
    this.sandboxes.delete(sandbox);
    if (this.stopped) return;
    // Started here, not by the waiter, so no invocation arriving meanwhile can take the place twice.
    this.waiting.shift()?.resolve(this.start());
  }
}
