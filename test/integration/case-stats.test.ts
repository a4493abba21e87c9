import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseStore } from "../../lambdas/adapters/case-store";
import { type Case, isClosed } from "../../lambdas/contracts/cases";
import { caseKey, caseStatsBackfilledKey, casesByStateKey, TableKeys } from "../../lambdas/contracts/table";
import { caseStats } from "../../lambdas/core/case-stats";
import { openCase, openRetentionCase } from "../../lambdas/core/cases";
import { config, record } from "../support/cases";
import { httpEvent, KEYS, lambdaContext, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * `GET /v1/cases/stats` through the cases API handler, against dynalite, from lifetime counters kept in the
 * transaction of each case write: a table with cases from before the counters existed is counted once (the
 * backfill), and the figures stay what every case says they are across opens, a redelivered open, contacts, a
 * stale retried PATCH, closes within and after the SLA, an erasure that moves a retention case, and a backfill
 * run again.
 */
let pipeline: Pipeline;
let casesApi: Awaited<ReturnType<Pipeline["api"]>>;
let customersApi: Awaited<ReturnType<Pipeline["api"]>>;
let store: CaseStore;
const admin = { authorization: `Bearer ${KEYS.admin}` };
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  pipeline = await startPipeline();
  casesApi = await pipeline.api("cases-api");
  customersApi = await pipeline.api("customers-api");
  store = (await import("../../lambdas/handlers/composition-root")).caseStore();
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
});

const stats = async () => {
  const answer = await casesApi(httpEvent("GET /v1/cases/stats", { headers: admin }));
  expect(answer.statusCode).toBe(200);
  return answer.body;
};
const patch = (id: string, body: object, version?: number) =>
  casesApi(
    httpEvent("PATCH /v1/cases/{id}", {
      headers: { ...admin, ...(version === undefined ? {} : { "if-match": String(version) }) },
      pathParameters: { id },
      body: JSON.stringify(body),
    }),
  );
const statsItems = async () => (await pipeline.scanTable()).filter((item) => item.pk === "CASES#STATS");
/** The totals as the counter items hold them, summed over their shards. */
const countedTotals = async () => {
  const sum = { cases: 0, contacted: 0, closed: 0, withinSla: 0 };
  for (const item of await statsItems())
    if (String(item.sk).startsWith("TOTALS#"))
      for (const field of Object.keys(sum) as (keyof typeof sum)[]) sum[field] += Number(item[field] ?? 0);
  return sum;
};

/** What every stored case says, computed exactly (the median too), to hold the counters' answer against. */
async function truth() {
  const all = await store.all();
  const hours = all
    .filter((item) => item.firstContactAt)
    .map((item) => (Date.parse(item.firstContactAt as string) - Date.parse(item.createdAt)) / HOUR_MS)
    .sort((a, b) => a - b);
  const mid = Math.floor(hours.length / 2);
  const median = hours.length % 2 ? hours[mid] : ((hours[mid - 1] as number) + (hours[mid] as number)) / 2;
  return { all, median, fromCases: caseStats(all, new Date()) };
}
async function expectStatsMatchTheCases() {
  const answer = await stats();
  const { all, median, fromCases } = await truth();
  expect(answer).toEqual(fromCases);
  expect(answer.cases).toBe(all.length);
  expect(answer.open).toBe(all.filter((item) => !isClosed(item.status)).length);
  if (median === undefined) expect(answer.timeToFirstContactHours.median).toBeNull();
  else expect(Math.abs(answer.timeToFirstContactHours.median - median)).toBeLessThanOrEqual(median * 0.01 + 0.005);
  return answer;
}

/** A case as a release before the counters wrote it: the same item, without the mark that it is counted. */
async function putUncounted(item: Case) {
  await pipeline.dynamoClient.send(
    new PutCommand({
      TableName: pipeline.tableName,
      Item: {
        ...item,
        ...caseKey(item.id),
        [TableKeys.indexes.byTime.partitionKey]: casesByStateKey(isClosed(item.status)),
        [TableKeys.indexes.byTime.sortKey]: `${item.dueAt}#${item.id}`,
        publishedAt: item.createdAt,
      },
    }),
  );
}
const daysAgo = (days: number) => new Date(Date.now() - days * 24 * HOUR_MS);
const legacy = (id: string, opened: Date, change: Partial<Case>): Case => ({
  ...openCase(record({ id, customer: null }), "detractor", config, opened),
  ...change,
});

describe("GET /v1/cases/stats from counters", () => {
  it("counts the cases written before the counters existed once, and answers right before and after", async () => {
    const opened = daysAgo(10);
    const at = (hours: number) => new Date(opened.getTime() + hours * HOUR_MS).toISOString();
    await putUncounted(
      legacy("old-resolved", opened, { status: "resolved", firstContactAt: at(2), closedAt: at(3), version: 3 }),
    );
    await putUncounted(legacy("old-late", opened, { status: "closed-no-contact", closedAt: at(24 * 5), version: 2 }));
    await putUncounted(legacy("old-contacted", opened, { status: "contacted", firstContactAt: at(6), version: 2 }));
    await putUncounted(legacy("old-open", opened, {}));
    expect(await statsItems()).toEqual([]);

    const first = await expectStatsMatchTheCases();
    expect(first).toMatchObject({
      cases: 4,
      open: 2,
      overdue: 2,
      closedWithinSla: { closed: 2, withinSla: 1, percent: 50 },
      timeToFirstContactHours: { contacted: 2, median: 4, mean: 4 },
    });
    const items = await pipeline.scanTable();
    expect(items.filter((item) => item.sk === "CASE").every((item) => item.statsCounted === true)).toBe(true);
    expect(items.some((item) => item.pk === "CASES#STATS" && item.sk === "BACKFILLED")).toBe(true);
    expect(await countedTotals()).toEqual({ cases: 4, contacted: 2, closed: 2, withinSla: 1 });

    // A backfill run again (a second request racing the first would) finds nothing left to count.
    expect(await store.backfillCounters(() => true)).toBe(true);
    expect(await stats()).toEqual(first);
  });

  it("stays right across opens, a redelivered open, contacts, a stale retried PATCH and closes", async () => {
    const opened = daysAgo(1);
    const fresh = openCase(record({ id: "new-1", customer: null }), "detractor", config, opened);
    const other = openCase(record({ id: "new-2", customer: null }), "detractor", config, opened);
    expect((await store.createIfAbsent(fresh)).created).toBe(true);
    expect((await store.createIfAbsent(other)).created).toBe(true);
    // The follow-up consumer gets the same event again: one case per response, counted once.
    expect((await store.createIfAbsent(fresh)).created).toBe(false);
    expect((await expectStatsMatchTheCases()).cases).toBe(6);

    const contacted = await patch(fresh.id, { status: "contacted" }, 1);
    expect(contacted.statusCode).toBe(200);
    // The same PATCH again with the version it was made on, as a client retrying after a timeout would send it.
    const retried = await patch(fresh.id, { status: "contacted" }, 1);
    expect(retried.statusCode).toBe(409);
    expect((await expectStatsMatchTheCases()).timeToFirstContactHours.contacted).toBe(3);

    // A save that lost the race to another (the store's own answer, not the route's version check) counts nothing.
    const read = (await store.get(other.id)) as Case;
    await store.save({ ...read, owner: "someone", version: read.version + 1 }, read);
    await expect(
      store.save(
        { ...read, status: "closed-no-contact", closedAt: new Date().toISOString(), version: read.version + 1 },
        read,
      ),
    ).rejects.toThrow(/changed meanwhile/);

    expect((await patch(fresh.id, { status: "resolved" })).statusCode).toBe(200);
    expect((await patch(other.id, { status: "closed-no-contact" })).statusCode).toBe(200);
    // Closing an already closed case is a conflict, and counts nothing.
    expect((await patch(other.id, { status: "closed-no-contact" })).statusCode).toBe(409);
    const after = await expectStatsMatchTheCases();
    expect(after).toMatchObject({ cases: 6, closedWithinSla: { closed: 4, withinSla: 3 } });
    expect(await countedTotals()).toEqual({ cases: 6, contacted: 3, closed: 4, withinSla: 3 });
  });

  it("is not changed by an erasure that rewrites a customer's cases and moves the retention case", async () => {
    const customer = {
      id: "stats-erased",
      name: "Eve",
      segment: "smb",
      plan: null,
      annualValue: 900,
      currency: "EUR",
      renewalDate: null,
    };
    expect(
      (
        await customersApi(
          httpEvent("PUT /v1/customers/{id}", {
            headers: admin,
            pathParameters: { id: customer.id },
            body: JSON.stringify({ name: "Eve" }),
          }),
        )
      ).statusCode,
    ).toBe(201);
    const followUp = openCase(record({ id: "erased-r1", customer }), "detractor", config, daysAgo(2));
    await store.createIfAbsent(followUp);
    const retention = openRetentionCase(
      {
        schemaVersion: 1,
        customerId: customer.id,
        churnRisk: { score: 0.8, level: "high", reasons: ["latest NPS 2 (detractor)"] },
        segment: "smb",
        annualValue: 900,
        owner: null,
        trigger: "response erased-r1",
        since: "2026-11-01T00:00:00.000Z",
      },
      config,
      daysAgo(2),
    );
    await store.createIfAbsent(retention);
    expect((await patch(followUp.id, { status: "contacted" })).statusCode).toBe(200);
    const before = await expectStatsMatchTheCases();

    const erased = await customersApi(
      httpEvent("DELETE /v1/customers/{id}", { headers: admin, pathParameters: { id: customer.id } }),
    );
    expect(erased.statusCode).toBe(200);
    expect(erased.body.erased.cases).toBe(2);
    expect(await store.get(retention.id)).toBeNull();
    expect(await expectStatsMatchTheCases()).toEqual(before);
    expect((await countedTotals()).cases).toBe(before.cases);
  });

  it("is finished by the SLA sweep on its schedule, a little each run, before any stats request", async () => {
    const before = await expectStatsMatchTheCases();
    // An upgrade whose backfill has not finished: older cases not yet counted, and no mark that the counters are whole.
    await pipeline.dynamoClient.send(new DeleteCommand({ TableName: pipeline.tableName, Key: caseStatsBackfilledKey }));
    const opened = daysAgo(3);
    await putUncounted(legacy("old-swept-1", opened, { status: "contacted", firstContactAt: opened.toISOString() }));
    await putUncounted(legacy("old-swept-2", opened, {}));
    const sweeper = (await import("../../lambdas/handlers/sla-sweeper")).handler as unknown as (
      event: ScheduledEvent,
      context: Context,
    ) => Promise<{ statsCountersWhole: boolean }>;
    const sweep = (remainingMs: number) =>
      sweeper({} as ScheduledEvent, { ...lambdaContext("sla-sweeper"), getRemainingTimeInMillis: () => remainingMs });

    // A run with no time left for it counts nothing and says so; the next run, with time, counts both.
    expect((await sweep(1_000)).statsCountersWhole).toBe(false);
    expect((await countedTotals()).cases).toBe(before.cases);
    expect((await sweep(60_000)).statsCountersWhole).toBe(true);
    expect((await pipeline.scanTable()).some((item) => item.sk === caseStatsBackfilledKey.sk)).toBe(true);
    expect((await countedTotals()).cases).toBe(before.cases + 2);
    expect((await expectStatsMatchTheCases()).cases).toBe(before.cases + 2);
    // Every later sweep reads only the mark.
    expect((await sweep(60_000)).statsCountersWhole).toBe(true);
    expect((await countedTotals()).cases).toBe(before.cases + 2);
  });
});
