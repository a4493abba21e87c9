import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../../local/journal";

const dirs: string[] = [];
const journalFile = () => {
  const dir = mkdtempSync(join(tmpdir(), "cxloop-journal-"));
  dirs.push(dir);
  return join(dir, "sqs.jsonl");
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the local runtime's journal", () => {
  it("gives back on open what was synced and not removed, oldest first", async () => {
    const file = journalFile();
    const { journal } = await Journal.open<{ body: string }>(file);
    journal.put("m1", "intake", { body: "one" }, 1);
    journal.put("m2", "intake", { body: "two" }, 2);
    journal.put("m3", "notify", { body: "three" }, 3);
    journal.remove("m2");
    await journal.synced();

    // No close: the process is gone as after SIGKILL, with only what reached the disk.
    const reopened = await Journal.open<{ body: string }>(file);
    expect(reopened.unreadable).toBe(0);
    expect(reopened.journal.entries()).toEqual([
      { id: "m1", stream: "intake", at: 1, data: { body: "one" } },
      { id: "m3", stream: "notify", at: 3, data: { body: "three" } },
    ]);
    expect(reopened.journal.count("intake")).toBe(1);
    await reopened.journal.close();
    await journal.close();
  });

  it("skips a line a crash left half-written, and keeps the rest", async () => {
    const file = journalFile();
    const { journal } = await Journal.open<string>(file);
    journal.put("m1", "intake", "kept", 1);
    await journal.synced();
    appendFileSync(file, '{"put":"m2","stream":"intake","at":2,"da');

    const reopened = await Journal.open<string>(file);
    expect(reopened.unreadable).toBe(1);
    expect(reopened.journal.entries().map((entry) => entry.id)).toEqual(["m1"]);
    await reopened.journal.close();
    await journal.close();
  });

  it("stays about as large as the work outstanding, however much has passed through it", async () => {
    const file = journalFile();
    const { journal } = await Journal.open<string>(file);
    const body = "x".repeat(1000);
    for (let n = 0; n < 5000; n += 1) {
      journal.put(`m${n}`, "intake", body, n);
      if (n >= 10) journal.remove(`m${n - 10}`);
      if (n % 100 === 0) await journal.synced();
    }
    await journal.synced();
    // 5 MB went through; 10 entries are live, and the file is compacted past 1 MiB and twice the live data.
    expect(statSync(file).size).toBeLessThan(3 * 1024 * 1024);
    await journal.close();
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(10);
  });
});
