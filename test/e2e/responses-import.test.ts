import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const run = promisify(execFile);
const local = localApi("responses-import");
const { call, dataDir } = local;
const root = join(import.meta.dirname, "../..");

beforeAll(async () => {
  await local.start();
});
afterAll(async () => {
  await local.stop();
  local.removeData();
});

const cli = (args: string[]) =>
  run(
    process.execPath,
    [
      "--import",
      "tsx",
      "bin/cli.ts",
      "responses",
      "import",
      ...args,
      "--endpoint",
      local.runtime().url,
      "--key",
      local.apiKey,
    ],
    { cwd: root },
  );

/** Every stored response of the window, page by page. */
async function storedIds(from: string, to: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ from, to, limit: "100", ...(cursor ? { cursor } : {}) });
    const { body } = await call("GET", `/v1/responses?${query}`);
    ids.push(...body.items.map((item: Json) => item.id));
    cursor = body.nextCursor;
  } while (cursor);
  return ids;
}

/** A Delighted CSV export; row i is on line i + 1, and the rows in `bad` are broken. */
function writeExport(file: string, rows: number, bad: Record<number, string>) {
  const lines = ["Response ID,Survey Type,Score,Comment,Created At,Person ID,Email,Delighted Source"];
  for (let i = 1; i <= rows; i++)
    lines.push(
      bad[i] ??
        `${i},nps,${i % 11},comment ${i},2025-03-${String((i % 20) + 1).padStart(2, "0")} 10:00:00 UTC,p${i},p${i}@example.com,Email`,
    );
  writeFileSync(file, `${lines.join("\n")}\n`);
}

describe("responses import", () => {
  it("prints the mapping and counts in a dry run, and sends nothing", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "bin/cli.ts",
        "responses",
        "import",
        "--from",
        "delighted",
        "--dry-run",
        "test/fixtures/importers/delighted-export.csv",
      ],
      { cwd: root },
    );
    expect(stdout).toMatch(/score\s+← score \/ Score/);
    expect(stdout).toMatch(/channel\s+← "Delighted Source"/);
    expect(stdout).toContain("rows: 6");
    expect(stdout).toContain("would import: 4 response(s)");
    expect(stdout).toContain("1 × score: must be a whole number");
    expect(await storedIds("2025-01-01", "2025-01-31")).toEqual([]);
    // The first call waits for the runtime's functions to warm, which takes long on a busy machine.
  }, 90_000);

  it("imports once with the original times, reports bad rows by line, resumes, and a rerun stores nothing twice", async () => {
    const file = join(dataDir, "delighted.csv");
    writeExport(file, 250, {
      10: "10,nps,11,too high,2025-03-05 10:00:00 UTC,p10,p10@example.com,Email",
      120: "120,thumbs,1,,2025-03-05 10:00:00 UTC,p120,p120@example.com,Email",
    });
    const first = await cli(["--from", "delighted", file]);
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: 250, accepted: 248, rejected: 2, skippedFromLastRun: 0 });
    expect(first.stderr).toContain("npm run cxloop -- metrics recompute --from 2025-02-28 --to 2025-03-21");
    const report = readFileSync(`${file}.errors.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    // Batches are sent several at a time, so the report lists refused rows in the order their answers came.
    const byLine = report.map((entry) => [entry.line, entry.errors[0].path]).sort((a, b) => a[0] - b[0]);
    expect(byLine).toEqual([
      [11, "score"],
      [121, "survey_type"],
    ]);
    let seen = 0;
    const ids = await eventually(async () => {
      const stored = await storedIds("2025-03-01", "2025-03-31");
      seen = stored.length;
      return stored.length === 248 ? stored : undefined;
    }, 90_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${seen} of 248 stored`);
    });
    expect(ids).toContain("delighted-42");
    expect((await call("GET", "/v1/responses/delighted-42")).body).toMatchObject({
      type: "nps",
      score: 9,
      channel: "email",
      customer: { id: "p42" },
      submittedAt: "2025-03-03T10:00:00.000Z",
    });

    // What an interrupted run leaves behind: the checkpoint of the last line whose batch (and every earlier one) was answered.
    writeFileSync(`${file}.import-state.json`, JSON.stringify({ line: 200 }));
    const resumed = await cli(["--from", "delighted", file]);
    expect(resumed.stderr).toContain("resuming after line 200");
    expect(JSON.parse(resumed.stdout)).toMatchObject({ rows: 51, skippedFromLastRun: 199, accepted: 51 });

    const again = await cli(["--from", "delighted", file, "--restart"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 250, accepted: 248, rejected: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await storedIds("2025-03-01", "2025-03-31")).length).toBe(248);
  }, 240_000);
});
