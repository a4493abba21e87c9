import { inflateSync } from "node:zlib";
import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { MetricsStore } from "../../lambdas/adapters/metrics-store";
import { aggregatePartition, monthBucket, responseKey, TableKeys } from "../../lambdas/contracts/table";
import {
  ANSWER_SAMPLE_SIZE,
  aggregateDay,
  type DayAggregate,
  type RollupResponse,
  RUNNING_VIEW,
} from "../../lambdas/core/aggregates";
import { metricsFor } from "../../lambdas/core/metrics-queries";
import { INDEX_SETTLE_MS, type RollupPorts, rollUpChangedDays } from "../../lambdas/core/rollup";
import { metricsFromCubes } from "../support/metrics-from-cubes";
import { startMetricsStore } from "../support/metrics-store";
import { rollupResponse } from "../support/responses";

const TABLE = "metrics-rollup-test";
const AT = new Date("2026-11-23T06:00:00Z");
/** When the rollup runs: long enough after the marks for the index to have every response. */
const LATER = new Date(AT.getTime() + INDEX_SETTLE_MS);
const local = await startMetricsStore(TABLE);
const { client, store } = local;
afterAll(() => local.stop());

/** Stores a response the way the response store does: in GSI1 by its month, keyed by submittedAt. */
async function storeResponse(id: string, submittedAt: string, score: number, segment = "smb") {
  const { byTime } = TableKeys.indexes;
  await client.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        ...responseKey(id),
        [byTime.partitionKey]: monthBucket(submittedAt),
        [byTime.sortKey]: `${submittedAt}#${id}`,
        id,
        type: "nps",
        score,
        scale: { min: 0, max: 10 },
        themes: ["delivery"],
        sentiment: { label: "negative", score: -0.4 },
        survey: "post-purchase",
        touchpoint: "delivery",
        channel: "email",
        submittedAt,
        customer: { id: `c-${id}`, email: "x@example.com", segment, annualValue: 500, currency: "EUR" },
      },
    }),
  );
}
/** Rollup ports on the real store, with something happening right after each day is written. */
const afterEachDay = (then: () => Promise<void>): RollupPorts => ({
  now: () => LATER,
  store: {
    changedDays: () => store.changedDays(),
    responsesOfDay: (day) => store.responsesOfDay(day),
    putDay: async (aggregate, at) => {
      await store.putDay(aggregate, at);
      await then();
    },
    closeDriverBlocks: (at) => store.closeDriverBlocks(at),
    clearChanged: (day, version) => store.clearChanged(day, version),
  },
});
/** A view's stored chunk items of one day, as the table holds them. */
const storedChunks = async (view: string, day: string) =>
  (
    await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :day)",
        ExpressionAttributeValues: { ":pk": aggregatePartition(view), ":day": `${day}#` },
      }),
    )
  ).Items ?? [];
const npsOf = (aggregate: DayAggregate | undefined) =>
  aggregate?.cells.reduce((n, cell) => n + cell.stats.nps.responses, 0);

describe("metrics rollup against the local DynamoDB", () => {
  it("reads a day's responses (reserved-word fields included), and a crash midway then a rerun gives the same numbers", async () => {
    await storeResponse("a1", "2026-11-20T23:59:59.999Z", 10);
    await storeResponse("a2", "2026-11-21T00:00:00.000Z", 3, "enterprise");
    await storeResponse("a3", "2026-11-21T12:00:00.000Z", 8);
    for (const day of ["2026-11-20", "2026-11-21"]) await store.markDayChanged(day, AT);

    const read: RollupResponse[] = [];
    for await (const response of store.responsesOfDay("2026-11-21")) read.push(response);
    expect(read.map((r) => [r.id, r.type, r.scale, r.customer?.segment, r.customer?.currency])).toEqual([
      ["a2", "nps", { min: 0, max: 10 }, "enterprise", "EUR"],
      ["a3", "nps", { min: 0, max: 10 }, "smb", "EUR"],
    ]);
    // Only what the rollup needs: no email or name comes back.
    expect(read[0]?.customer).toEqual({ id: "c-a2", segment: "enterprise", annualValue: 500, currency: "EUR" });

    let crashAfter = 1;
    const crashing = afterEachDay(async () => {
      if (crashAfter-- === 0) throw new Error("function timed out");
    });
    await expect(rollUpChangedDays(crashing)).rejects.toThrow("timed out");
    expect((await store.changedDays()).map((mark) => mark.day)).toEqual(["2026-11-21"]);

    expect(await rollUpChangedDays({ store, now: () => LATER })).toEqual({ recomputed: ["2026-11-21"], left: 0 });
    const once = await store.days("cube", "2026-11-20", "2026-11-21");
    expect(once.map((day) => [day.day, npsOf(day)])).toEqual([
      ["2026-11-20", 1],
      ["2026-11-21", 2],
    ]);
    const expected = aggregateDay("2026-11-21", read.slice().reverse());
    expect(once.find((day) => day.day === "2026-11-21")?.cells).toEqual(expected.cells);
    expect((await store.days("themes", "2026-11-21", "2026-11-21"))[0]?.themes).toEqual(expected.themes);
    // The total and each dimension are the cube summed onto them.
    const [total] = await store.days("total", "2026-11-21", "2026-11-21");
    expect(total?.cells.map((cell) => [cell.key, cell.stats.total])).toEqual([
      [{ survey: null, touchpoint: null, channel: null, segment: null, stage: null }, 2],
    ]);
    const [bySegment] = await store.days("segment", "2026-11-21", "2026-11-21");
    expect(bySegment?.cells.map((cell) => [cell.key.segment, cell.stats.nps.responses]).sort()).toEqual([
      ["enterprise", 1],
      ["smb", 1],
    ]);

    // A full rerun over the same responses replaces, never adds.
    for (const day of ["2026-11-20", "2026-11-21"]) await store.markDayChanged(day, AT);
    await rollUpChangedDays({ store, now: () => LATER });
    expect(await store.days("cube", "2026-11-20", "2026-11-21")).toEqual(once);
  });

  it("keeps a day marked when a response arrives while it is being recomputed", async () => {
    await storeResponse("b1", "2026-11-10T09:00:00.000Z", 9);
    await store.markDayChanged("2026-11-10", AT);
    // Enrichment stores and marks a new response between the read and the clear.
    const racing = afterEachDay(async () => {
      await storeResponse("b2", "2026-11-10T10:00:00.000Z", 0);
      await store.markDayChanged("2026-11-10", AT);
    });
    await rollUpChangedDays(racing);
    expect((await store.days("cube", "2026-11-10", "2026-11-10")).map(npsOf)).toEqual([1]);
    expect((await store.changedDays()).map((mark) => mark.day)).toEqual(["2026-11-10"]);
    await rollUpChangedDays({ store, now: () => LATER });
    expect((await store.days("cube", "2026-11-10", "2026-11-10")).map(npsOf)).toEqual([2]);
    expect(await store.changedDays()).toEqual([]);
  });

  it("recomputes a day changed moments ago but keeps it marked, since the time index may still lag", async () => {
    await storeResponse("c1", "2026-11-05T09:00:00.000Z", 6);
    await store.markDayChanged("2026-11-05", AT);
    const soon = new Date(AT.getTime() + INDEX_SETTLE_MS - 1);
    expect(await rollUpChangedDays({ store, now: () => soon })).toEqual({ recomputed: ["2026-11-05"], left: 0 });
    expect((await store.days("cube", "2026-11-05", "2026-11-05")).map(npsOf)).toEqual([1]);
    expect((await store.changedDays()).map((mark) => mark.day)).toEqual(["2026-11-05"]);
    await rollUpChangedDays({ store, now: () => LATER });
    expect(await store.changedDays()).toEqual([]);
  });

  it("reads a local day in the configured time zone, across the UTC month boundary it straddles", async () => {
    const pacific = new MetricsStore(client, TABLE, "America/Los_Angeles");
    // 31 October in Los Angeles runs from 07:00 UTC on the 31st to 07:00 UTC on 1 November.
    await storeResponse("la-before", "2026-10-31T06:59:59.999Z", 9);
    await storeResponse("la-first", "2026-10-31T07:00:00.000Z", 9);
    await storeResponse("la-late-evening", "2026-11-01T06:59:59.999Z", 2);
    await storeResponse("la-after", "2026-11-01T07:00:00.000Z", 9);
    const ids: string[] = [];
    for await (const response of pacific.responsesOfDay("2026-10-31")) ids.push(response.id);
    expect(ids.sort()).toEqual(["la-first", "la-late-evening"]);
  });

  it("splits a large day into chunks under the item limit and drops chunks a smaller rewrite no longer needs", async () => {
    const many = Array.from({ length: 6000 }, (_, i) => ({
      id: `big-${i}`,
      type: "nps" as const,
      score: i % 11,
      scale: null,
      themes: [],
      sentiment: null,
      survey: `survey-${i % 50}`,
      touchpoint: `touchpoint-${i % 13}`,
      stage: null,
      channel: "web" as const,
      customer: { id: `c${i}`, segment: `segment-${i % 7}`, annualValue: null, currency: null },
      submittedAt: "2026-10-01T10:00:00.000Z",
    }));
    const big = aggregateDay("2026-10-01", many);
    await store.putDay(big, AT);
    const chunks = () => storedChunks("cube", "2026-10-01");
    const stored = await chunks();
    expect(stored.length).toBeGreaterThan(1);
    // Deflated: what a chunk holds is repetitive JSON, and DynamoDB bills an item by its size.
    for (const item of stored) expect((item.data as Uint8Array).byteLength).toBeLessThan(100_000);
    const [readBack] = await store.days("cube", "2026-10-01", "2026-10-01");
    expect(readBack?.cells).toHaveLength(big.cells.length);
    expect(npsOf(readBack)).toBe(6000);
    // The driver model's sample of the day stays a fixed size, one item, however large the day.
    const [sample] = await store.days("answers", "2026-10-01", "2026-10-01");
    expect(sample?.answers).toEqual(big.answers);
    expect(sample?.answers).toHaveLength(ANSWER_SAMPLE_SIZE);

    await store.putDay(aggregateDay("2026-10-01", many.slice(0, 10)), AT);
    expect(await chunks()).toHaveLength(1);
    expect(npsOf((await store.days("cube", "2026-10-01", "2026-10-01"))[0])).toBe(10);
  });

  it("sizes chunks by their UTF-8 bytes, so names in other scripts cannot push one past the item limit", async () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      rollupResponse({
        id: `cjk-${i}`,
        type: "nps",
        score: i % 11,
        survey: `顧客満足度調査-${i % 60}`,
        touchpoint: `配送とお届けの体験-${i % 17}`,
        customer: { id: `c${i}`, segment: `セグメント-${i % 9}`, annualValue: null, currency: null },
        submittedAt: "2026-10-02T10:00:00.000Z",
      }),
    );
    const day = aggregateDay("2026-10-02", many);
    await store.putDay(day, AT);
    const stored = await storedChunks("cube", "2026-10-02");
    expect(stored.length).toBeGreaterThan(1);
    for (const item of stored)
      expect(Buffer.byteLength(inflateSync(item.data as Uint8Array).toString("utf8"))).toBeLessThanOrEqual(300_000);
    const [readBack] = await store.days("cube", "2026-10-02", "2026-10-02");
    expect(readBack?.cells).toHaveLength(day.cells.length);
  });

  it("reads the chunks older deploys wrote as JSON text alongside the deflated ones", async () => {
    const day = aggregateDay("2026-09-14", [
      rollupResponse({ id: "legacy-text", type: "nps", score: 2, submittedAt: "2026-09-14T10:00:00.000Z" }),
    ]);
    await store.putDay(day, AT);
    const [chunk] = await storedChunks("total", "2026-09-14");
    expect(chunk?.data).toBeInstanceOf(Uint8Array);
    const text = inflateSync(chunk?.data as Uint8Array).toString("utf8");
    await client.send(new PutCommand({ TableName: TABLE, Item: { ...chunk, data: text } }));

    const [readBack] = await store.days("total", "2026-09-14", "2026-09-14");
    expect(npsOf(readBack)).toBe(1);
    expect(readBack?.cells[0]?.stats.nps.detractors).toBe(1);
  });

  it("keeps the cube's running sums those of the cubes stored, whatever order and overlap days are written in", async () => {
    const responsesOf = (day: string, count: number, shift: number): RollupResponse[] =>
      Array.from({ length: count }, (_, i) =>
        rollupResponse({
          id: `run-${day}-${shift}-${i}`,
          type: "nps",
          score: (i * 7 + shift) % 11,
          survey: i % 3 === 0 ? "onboarding" : "post-purchase",
          touchpoint: i % 2 === 0 ? "checkout" : "delivery",
          stage: null,
          channel: (["web", "email", "app"] as const)[i % 3] as RollupResponse["channel"],
          customer: { id: `c${i}`, segment: i % 4 === 0 ? "enterprise" : "smb", annualValue: null, currency: null },
          submittedAt: `${day}T10:00:00.000Z`,
        }),
      );
    // 2026-10-10 … 2026-11-10 is one block of running sums; 2026-11-12 is in the next.
    const days = ["2026-10-12", "2026-10-13", "2026-10-20", "2026-11-09", "2026-11-12"];
    for (const day of ["2026-10-20", "2026-11-12"]) await store.putDay(aggregateDay(day, responsesOf(day, 9, 0)), AT);
    // Days of one block at once, one of them twice with different answers, earlier days after later ones.
    await Promise.all([
      ...days.map((day, index) => store.putDay(aggregateDay(day, responsesOf(day, 12 + index, 1)), AT)),
      store.putDay(aggregateDay("2026-10-13", responsesOf("2026-10-13", 5, 2)), AT),
    ]);
    await store.putDay(aggregateDay("2026-10-13", responsesOf("2026-10-13", 7, 3)), AT);

    const cubes = await store.days("cube", "2026-09-01", "2026-11-30");
    const ports = { aggregates: store, today: () => "2026-11-30", minResponses: 1 };
    for (const [query, groupBy] of [
      [{ from: "2026-10-13", to: "2026-11-12" }, "channel"],
      [{ from: "2026-10-11", to: "2026-11-09" }, "month"],
      [{ from: "2026-10-21", to: "2026-11-12" }, null],
    ] as const) {
      const filters = { survey: "post-purchase", segment: "smb", touchpoint: "checkout" };
      const fromSums = await metricsFor({ ...query, ...filters, ...(groupBy ? { groupBy } : {}) }, ports);
      expect(fromSums).toEqual(
        metricsFromCubes({ ...query, filters, groupBy }, cubes, { today: "2026-11-30", minResponses: 1 }),
      );
      expect(fromSums.nps.responses).toBeGreaterThan(0);
    }
  });

  it("rewrites its running sums when another writer changes an input of them while it writes", async () => {
    const responsesOf = (day: string, count: number, score: number): RollupResponse[] =>
      Array.from({ length: count }, (_, i) =>
        rollupResponse({
          id: `race-${day}-${score}-${i}`,
          type: "nps",
          score,
          survey: "relationship",
          touchpoint: "account",
          stage: null,
          channel: "web" as const,
          customer: { id: `c${i}`, segment: "smb", annualValue: null, currency: null },
          submittedAt: `${day}T10:00:00.000Z`,
        }),
      );
    const [first, second] = ["2026-08-10", "2026-08-12"] as const;
    await store.putDay(aggregateDay(first, responsesOf(first, 3, 10)), AT);
    await store.putDay(aggregateDay(second, responsesOf(second, 2, 10)), AT);
    // A second writer whose first read of the cubes is answered, then held until another writer
    // has rewritten the earlier day and its sums in full: the sum it read before is then stale.
    const writer = local.heldWriter(
      () => true,
      () => store.putDay(aggregateDay(first, responsesOf(first, 4, 0)), AT),
    );
    await writer.store.putDay(aggregateDay(second, responsesOf(second, 2, 9)), AT);
    writer.destroy();
    expect(writer.held()).toBe(true);

    const sums = await store.runningSums([second]);
    const nps = (sums.get(second) ?? []).find((cell) => cell.key.survey === "relationship")?.stats.nps;
    expect(nps).toEqual({ responses: 6, promoters: 2, passives: 0, detractors: 4 });
  });
  it("answers three dimensions from the cubes of a block rolled up before running sums existed", async () => {
    const responses = (day: string): RollupResponse[] =>
      Array.from({ length: 4 }, (_, i) =>
        rollupResponse({
          id: `old-${day}-${i}`,
          type: "nps",
          score: i === 0 ? 3 : 10,
          survey: "legacy-survey",
          touchpoint: "account",
          stage: null,
          channel: "email" as const,
          customer: { id: `c${i}`, segment: "enterprise", annualValue: null, currency: null },
          submittedAt: `${day}T09:00:00.000Z`,
        }),
      );
    const days = ["2026-06-02", "2026-06-03"];
    for (const day of days) await store.putDay(aggregateDay(day, responses(day)), AT);
    // What an older deploy left: the cubes, and no running sums.
    const sums = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :month)",
        ExpressionAttributeValues: { ":pk": aggregatePartition(RUNNING_VIEW), ":month": "2026-06" },
      }),
    );
    expect(sums.Items?.length).toBeGreaterThan(0);
    for (const item of sums.Items ?? [])
      await client.send(new DeleteCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk } }));

    const ports = { aggregates: store, today: () => "2026-06-30", minResponses: 1 };
    const answer = await metricsFor(
      { from: "2026-06-01", to: "2026-06-30", survey: "legacy-survey", segment: "enterprise", channel: "email" },
      ports,
    );
    expect(answer.nps).toMatchObject({ responses: 8 });
  });
});
