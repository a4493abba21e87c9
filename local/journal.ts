import { readFileSync } from "node:fs";
import { type FileHandle, mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";

/** One piece of accepted, unfinished work: what it is, which stream (queue, rule) it belongs to, and when it came. */
export interface JournalEntry<T> {
  id: string;
  stream: string;
  at: number;
  data: T;
}

type Line<T> = { put: string; stream: string; at: number; data: T } | { del: string };

/** Below this size removals are cheap to keep; above it, and once they make up half the file, it is rewritten. */
const COMPACT_AT_BYTES = 1024 * 1024;

/**
 * An append-only journal of work a local stand-in has accepted and not finished: one JSON line per
 * put and per removal. Lines are written in groups and fsync'd before `synced()` resolves, so what is
 * acknowledged only after `synced()` survives a crash (SIGKILL, power loss). Opening reads it back;
 * it is rewritten with only the live entries on open, on close, and when removals make up most of it,
 * so it stays about as large as the work outstanding.
 */
export class Journal<T> {
  private readonly live = new Map<string, { stream: string; at: number; line: string }>();
  private readonly perStream = new Map<string, number>();
  private liveBytes = 0;
  private fileBytes = 0;
  private pending: string[] = [];
  private appended = 0;
  private durable = 0;
  private readonly waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private flushing?: Promise<void>;
  private failure?: Error;
  private closed = false;

  private constructor(
    private readonly file: string,
    private handle: FileHandle,
  ) {}

  /** Opens (or creates) the journal; `unreadable` counts lines a crash left half-written, which are skipped. */
  static async open<T>(file: string): Promise<{ journal: Journal<T>; unreadable: number }> {
    await mkdir(dirname(file), { recursive: true });
    const journal = new Journal<T>(file, await open(file, "a"));
    const unreadable = journal.load();
    await journal.compact();
    return { journal, unreadable };
  }

  /** Records `data` under `id` (replacing what was there); durable once `synced()` resolves. */
  put(id: string, stream: string, data: T, at = Date.now()): void {
    if (this.closed) return;
    const line = `${JSON.stringify({ put: id, stream, at, data } satisfies Line<T>)}\n`;
    this.track(id, stream, at, line);
    this.append(line);
  }

  remove(id: string): void {
    if (this.closed || !this.live.has(id)) return;
    this.untrack(id);
    this.append(`${JSON.stringify({ del: id } satisfies Line<T>)}\n`);
  }

  removeStream(stream: string): void {
    for (const [id, entry] of this.live) if (entry.stream === stream) this.remove(id);
  }

  get(id: string): { stream: string; at: number } | undefined {
    return this.live.get(id);
  }

  count(stream: string): number {
    return this.perStream.get(stream) ?? 0;
  }

  get size(): number {
    return this.live.size;
  }

  /** Every live entry, oldest first. */
  entries(): JournalEntry<T>[] {
    return [...this.live.entries()].map(([id, { line }]) => {
      const { stream, at, data } = JSON.parse(line) as Extract<Line<T>, { put: string }>;
      return { id, stream, at, data };
    });
  }

  /** Resolves once everything recorded so far is on disk; rejects if the journal cannot be written. */
  synced(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= this.appended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.appended, resolve, reject }));
  }

  /** Writes what is pending, leaves only the live entries in the file and closes it; later records are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    if (!this.failure) await this.compact();
    await this.handle.close();
  }

  private load(): number {
    let unreadable = 0;
    for (const text of readFileSync(this.file, "utf8").split("\n")) {
      if (!text) continue;
      let line: Line<T>;
      try {
        line = JSON.parse(text) as Line<T>;
      } catch {
        unreadable += 1;
        continue;
      }
      if ("del" in line) this.untrack(line.del);
      else this.track(line.put, line.stream, line.at, `${text}\n`);
    }
    return unreadable;
  }

  private track(id: string, stream: string, at: number, line: string) {
    this.untrack(id);
    this.live.set(id, { stream, at, line });
    this.perStream.set(stream, this.count(stream) + 1);
    this.liveBytes += Buffer.byteLength(line);
  }

  private untrack(id: string) {
    const entry = this.live.get(id);
    if (!entry) return;
    this.live.delete(id);
    this.perStream.set(entry.stream, this.count(entry.stream) - 1);
    this.liveBytes -= Buffer.byteLength(entry.line);
  }

  private append(line: string) {
    this.pending.push(line);
    this.appended += 1;
    this.flushing ??= this.flush();
  }

  /** Group commit: whatever was recorded while the previous write and fsync ran goes out in the next one. */
  private async flush() {
    // Lets the records of the current task (a SendMessageBatch, a PutEvents) join the first write.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0 && !this.failure) {
        const text = this.pending.join("");
        const upTo = this.appended;
        this.pending = [];
        await this.handle.appendFile(text);
        await this.handle.datasync();
        this.fileBytes += Buffer.byteLength(text);
        this.durable = upTo;
        while (this.waiters[0] && this.waiters[0].upTo <= this.durable) this.waiters.shift()?.resolve();
        if (this.fileBytes > COMPACT_AT_BYTES && this.fileBytes > 2 * this.liveBytes) await this.compact();
      }
    } catch (error) {
      // A journal that cannot be written must not acknowledge anything more: senders get an error and retry.
      this.failure = error as Error;
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
    } finally {
      this.flushing = undefined;
    }
  }

  /** Rewrites the file with the live entries only; the rename makes the switch atomic. */
  private async compact() {
    const text = [...this.live.values()].map((entry) => entry.line).join("");
    const temporary = `${this.file}.tmp`;
    const out = await open(temporary, "w");
    await out.writeFile(text);
    await out.datasync();
    await out.close();
    // Windows cannot rename over a file that is open.
    await this.handle.close();
    try {
      await rename(temporary, this.file);
      await syncDirectory(dirname(this.file));
      this.fileBytes = Buffer.byteLength(text);
    } finally {
      this.handle = await open(this.file, "a");
    }
  }
}

/** Makes a rename durable; Windows cannot open a directory, and its renames need no such step. */
async function syncDirectory(path: string) {
  if (process.platform === "win32") return;
  const directory = await open(path, "r");
  await directory.sync();
  await directory.close();
}
