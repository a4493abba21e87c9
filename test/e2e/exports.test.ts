import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const source = localApi("exports");
const target = localApi("exports-import");

beforeAll(async () => {
  await Promise.all([source.start(), target.start()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([source.stop(), target.stop()]);
  source.removeData();
  target.removeData();
});

const window = { from: "2026-02-01T00:00:00.000Z", to: "2026-02-28T23:59:59.999Z" };

async function listed(api: typeof source): Promise<Json[]> {
  const { body } = await api.call("GET", `/v1/responses?${new URLSearchParams({ ...window, limit: "100" })}`);
  return body.items;
}

describe("an export on the local runtime", () => {
  it("downloads the API's records, and re-imports them losslessly into a fresh runtime", async () => {
    const submissions = Array.from({ length: 30 }, (_, i) => ({
      id: `exp-e2e-${i}`,
      type: "nps",
      score: i % 11,
      comment: i % 3 === 0 ? `slow delivery, "great" staff ${i}` : undefined,
      customer: { id: `c-${i % 4}` },
      channel: "email",
      submittedAt: `2026-02-${String((i % 27) + 1).padStart(2, "0")}T10:00:00.000Z`,
    }));
    // The first call also waits for intake's cold start, which on a loaded machine can pass the function's timeout
    // (a 5xx); a client sends the same ids again, which stores nothing twice.
    const accepted = await eventually(async () => {
      const answer = await source.call("POST", "/v1/responses/batch", { responses: submissions });
      return answer.status < 500 ? answer : undefined;
    }, 90_000);
    expect(accepted.status).toBe(200);
    const original = await eventually(async () => {
      const items = await listed(source);
      return items.length === 30 ? items : undefined;
    }, 60_000);

    const created = await source.call("POST", "/v1/exports", { ...window, format: "jsonl" });
    expect(created.status).toBe(202);
    const job = await eventually(async () => {
      const { body } = await source.call("GET", `/v1/exports/${created.body.id}`);
      return body.status === "done" ? body : undefined;
    });
    expect(job.rows).toBe(30);
    const file = await fetch(job.url);
    const downloaded = Buffer.from(await file.arrayBuffer());
    const text = gunzipSync(downloaded).toString("utf8");
    const exported = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(exported).toEqual(original);

    // The file as downloaded, still gzipped: the importer reads it as it is.
    const path = join(target.dataDir, "export.jsonl.gz");
    writeFileSync(path, downloaded);
    await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "bin/cli.ts",
        "responses",
        "import",
        "--from",
        "cxloop",
        path,
        "--endpoint",
        target.runtime().url,
        "--key",
        target.apiKey,
      ],
      { cwd: root },
    );
    // Lossless: everything but the receipt and enrichment times of the new store.
    const withoutTimes = (items: Json[]) => items.map(({ receivedAt, enrichedAt, ...rest }: Json) => rest);
    const imported = await eventually(async () => {
      const items = await listed(target);
      return items.length === 30 ? items : undefined;
    }, 60_000);
    expect(withoutTimes(imported)).toEqual(withoutTimes(original));
  }, 180_000);
});
