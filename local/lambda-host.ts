import { randomUUID } from "node:crypto";
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

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** The function's configuration a sandbox applies: its environment, timeout and memory size. */
export interface SandboxSettings {
  env: Record<string, string>;
  timeoutMs: number;
  memoryMb: number;
}

export interface InvocationLog {
  functionName: string;
  /** Rounded up to the next millisecond, as Lambda bills it; a cold start's init included, as Lambda bills it too. */
  durationMs: number;
  memoryMb: number;
  outcome: "ok" | "error" | "timeout";
}

/**
 * Runs one function's handler in a worker thread, as Lambda runs it in its own
 * sandbox: own environment, cold start on first use, a hard timeout after
 * which the sandbox is discarded and the next invocation starts cold.
 */
export class LambdaHost {
  private worker?: Worker;
  private ready?: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private inFlight = 0;
  private stopped = false;

  constructor(
    readonly functionName: string,
    private readonly code: SandboxCode,
    private readonly settings: SandboxSettings,
    private readonly onInvocation: (log: InvocationLog) => void = () => undefined,
    /** What the function writes to stdout or stderr (what CloudWatch Logs would ingest); by default passed on. */
    private readonly onOutput: (chunk: Buffer, stream: "stdout" | "stderr") => void = (chunk, stream) =>
      process[stream].write(chunk),
  ) {}

  /** Starts the sandbox now instead of on the first invocation. */
  warm(): Promise<void> {
    if (!this.ready) {
      const ready = this.spawn();
      // A failed cold start is retried by the next invocation, as Lambda retries a failed init.
      ready.catch(() => {
        if (this.ready === ready) this.ready = undefined;
        void this.worker?.terminate();
      });
      this.ready = ready;
    }
    return this.ready;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(this.code.worker, {
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: { entry: this.code.handler.href, env: this.settings.env },
    });
    this.worker = worker;
    // Taken here rather than left to Node to pass on, so they can be counted.
    worker.stdout.on("data", (chunk: Buffer) => this.onOutput(chunk, "stdout"));
    worker.stderr.on("data", (chunk: Buffer) => this.onOutput(chunk, "stderr"));
    return new Promise((resolve, reject) => {
      worker.on("message", (message: Record<string, unknown>) => {
        if (message.ready) return resolve();
        if (message.initError) {
          const init = message.initError as { name: string; message: string };
          return reject(new LambdaError(this.functionName, `Runtime.ImportModuleError ${init.name}`, init.message));
        }
        const pending = this.pending.get(message.id as number);
        if (!pending) return;
        this.pending.delete(message.id as number);
        clearTimeout(pending.timer);
        if (message.error) {
          const failure = message.error as { name: string; message: string };
          pending.reject(new LambdaError(this.functionName, failure.name, failure.message));
        } else pending.resolve(message.result);
      });
      worker.on("error", (error) => {
        reject(error);
        this.failAll(error);
      });
    });
  }

  private failAll(error: Error) {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }

  async invoke<T = unknown>(event: unknown): Promise<T> {
    if (this.stopped) throw new LambdaError(this.functionName, "Sandbox.Stopped", "the local runtime is stopping");
    this.inFlight += 1;
    const started = performance.now();
    let outcome: InvocationLog["outcome"] = "ok";
    try {
      await this.warm();
      const worker = this.worker as Worker;
      const id = this.nextId++;
      const { timeoutMs, memoryMb } = this.settings;
      const deadline = Date.now() + timeoutMs;
      const context = {
        functionName: this.functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${this.functionName}`,
        memoryLimitInMB: String(memoryMb),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${this.functionName}`,
        logStreamName: "local",
        deadline,
      };
      return await new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          outcome = "timeout";
          // The sandbox may still be running the handler: discard it, like Lambda does.
          void worker.terminate();
          this.ready = undefined;
          reject(
            new LambdaError(this.functionName, "Sandbox.Timedout", `Task timed out after ${timeoutMs / 1000} seconds`),
          );
        }, timeoutMs);
        this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        worker.postMessage({ id, event, context });
      });
    } catch (error) {
      if (outcome === "ok") outcome = "error";
      throw error;
    } finally {
      this.inFlight -= 1;
      this.onInvocation({
        functionName: this.functionName,
        durationMs: Math.ceil(performance.now() - started),
        memoryMb: this.settings.memoryMb,
        outcome,
      });
    }
  }

  /** True while an invocation is running. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Discards the sandbox; an invocation still running fails, as it would if Lambda reclaimed the sandbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker?.terminate();
    this.failAll(new LambdaError(this.functionName, "Sandbox.Stopped", "the local runtime stopped"));
    this.worker = undefined;
    this.ready = undefined;
  }
}
