import { DeleteCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { aggregatePartition } from "../../lambdas/contracts/table";
import {
  ANSWER_SAMPLE_SIZE,
  aggregateDay,
  BLOCK_ANSWER_SAMPLE_SIZE,
  DRIVER_BLOCK_LEVELS,
  driverBlockOf,
  driverBlocksOf,
  driverBlockView,
  type RollupResponse,
} from "../../lambdas/core/aggregates";
import { computeDrivers, dayViews } from "../../lambdas/core/drivers";
import { addDays } from "../../lambdas/core/metrics";
import { driversFor } from "../../lambdas/core/metrics-queries";
import { startMetricsStore } from "../support/metrics-store";
import { rollupResponse } from "../support/responses";

const TABLE = "metrics-drivers-test";
const AT = new Date("2026-11-23T06:00:00Z");
const local = await startMetricsStore(TABLE);
const { client, store } = local;
afterAll(() => local.stop());

const THEMES = ["delivery", "price", "staff"];
/** A day's answers: NPS and CSAT of overlapping customers, some mentioning a theme, the score following it. */
const responsesOf = (day: string, count: number, shift = 0): RollupResponse[] =>
  Array.from({ length: count }, (_, i) => {
    const theme = (i + shift) % 4 === 3 ? [] : [THEMES[(i + shift) % 3] as string];
    return rollupResponse({
      id: `drv-${day}-${shift}-${i}`,
      type: i % 3 === 2 ? ("csat" as const) : ("nps" as const),
      score: i % 3 === 2 ? 1 + ((i + shift) % 5) : theme[0] === "delivery" ? (i + shift) % 5 : 6 + ((i + shift) % 5),
      themes: theme,
      sentiment: { label: "neutral", score: ((i + shift) % 7) / 7 - 0.5 },
      survey: i % 2 === 0 ? "post-purchase" : "relationship",
      touchpoint: "delivery",
      stage: null,
      channel: (["web", "email"] as const)[i % 2] as RollupResponse["channel"],
      customer: { id: `c${(i * 7 + shift) % 40}`, segment: "smb", annualValue: 100 + i, currency: "EUR" },
      submittedAt: `${day}T10:00:00.000Z`,
    });
  });

const ports = (today: string) => ({ aggregates: store, today: () => today, minResponses: 1 });
/** What drivers give from the stored days alone, the reading before blocks. */
const fromDays = async (window: { from: string; to: string }) =>
  computeDrivers({ window, days: await dayViews({ days: store.days.bind(store) }, window), minResponses: 1 });

async function blockItems(from: string, to: string) {
  const items: { pk: string; sk: string }[] = [];
  for (let level = 1; level <= DRIVER_BLOCK_LEVELS; level++) {
    const page = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": aggregatePartition(driverBlockView(level)),
          ":from": from,
          ":to": `${to}~`,
        },
      }),
    );
    for (const item of page.Items ?? []) items.push({ pk: String(item.pk), sk: String(item.sk) });
  }
  return items;
}

describe("driver blocks against the local DynamoDB", () => {
  it("answers GET /v1/drivers from blocks as the days would, whatever order and overlap days are written in", async () => {
    const days = Array.from({ length: 7 }, (_, index) => addDays("2026-09-03", index * 9));
    for (const day of days.slice(4)) await store.putDay(aggregateDay(day, responsesOf(day, 20)), AT);
    // Days of one block at once, later days before earlier ones, one of them twice with other answers; then a later one again.
    await Promise.all([
      ...days.slice(0, 4).map((day, index) => store.putDay(aggregateDay(day, responsesOf(day, 20 + index)), AT)),
      store.putDay(aggregateDay("2026-09-12", responsesOf("2026-09-12", 30, 2)), AT),
    ]);
    await store.putDay(aggregateDay("2026-10-09", responsesOf("2026-10-09", 12, 1)), AT);

    for (const window of [
      { from: "2026-09-01", to: "2026-11-29" },
      { from: "2026-09-05", to: "2026-10-17" },
      { from: "2026-09-30", to: "2026-09-30" },
    ]) {
      const answer = await driversFor(window, ports("2026-11-30"));
      expect(answer).toEqual(await fromDays(window));
      expect(answer.drivers.length).toBeGreaterThan(0);
    }
    expect((await blockItems("2026-09-01", "2026-11-30")).length).toBeGreaterThan(0);
  });

  it("answers from the days of blocks rolled up before blocks existed", async () => {
    const days = ["2026-05-04", "2026-05-05", "2026-05-19", "2026-06-08"];
    for (const day of days) await store.putDay(aggregateDay(day, responsesOf(day, 15)), AT);
    const window = { from: "2026-05-01", to: "2026-06-29" };
    const withBlocks = await driversFor(window, ports("2026-06-30"));
    // What an older deploy left: the days, and no blocks.
    const blocks = await blockItems("2026-04-01", "2026-07-31");
    expect(blocks.length).toBeGreaterThan(0);
    for (const key of blocks) await client.send(new DeleteCommand({ TableName: TABLE, Key: key }));

    const withoutBlocks = await driversFor(window, ports("2026-06-30"));
    expect(withoutBlocks).toEqual(withBlocks);
    expect(withoutBlocks.drivers.find((driver) => driver.theme === "delivery")?.mentions).toBe(16);

    // A day rolled up afterwards writes its blocks from their halves, old days included.
    await store.putDay(aggregateDay("2026-05-05", responsesOf("2026-05-05", 9, 1)), AT);
    expect(await driversFor(window, ports("2026-06-30"))).toEqual(await fromDays(window));
  });

  it("rewrites its blocks when another writer changes a half of them while it writes", async () => {
    // Two days of one 2-day block: each writer's block holds the other's day.
    const first = driverBlockOf("2026-03-10", 1).from;
    const second = addDays(first, 1);
    await store.putDay(aggregateDay(first, responsesOf(first, 6)), AT);
    // A writer whose first consistent read is answered, then held until another writer has
    // rewritten the other day in full: the half it read is then stale.
    const writer = local.heldWriter(
      (input) => input.ExpressionAttributeValues?.[":pk"] === aggregatePartition("themes"),
      () => store.putDay(aggregateDay(first, responsesOf(first, 10, 1)), AT),
    );
    await writer.store.putDay(aggregateDay(second, responsesOf(second, 8)), AT);
    writer.destroy();
    expect(writer.held()).toBe(true);

    const window = { from: first, to: second };
    const [block] = [...(await store.driverBlocks([driverBlockOf(first, 1)])).values()];
    expect(block?.answers.length).toBe(18);
    expect(await driversFor(window, ports("2026-03-31"))).toEqual(await fromDays(window));
  });

  it("leaves today out of blocks, reading it as days, and closes its blocks once it is over", async () => {
    // Today is the second day of a 2-day block: yesterday's rollup cannot write that block either.
    const today = driverBlockOf("2026-07-15", 1).to;
    const yesterday = addDays(today, -1);
    const noon = (day: string) => new Date(`${day}T12:00:00Z`);
    await store.putDay(aggregateDay(yesterday, responsesOf(yesterday, 14)), noon(today));
    await store.putDay(aggregateDay(today, responsesOf(today, 11, 3)), noon(today));
    expect(await blockItems(today, today)).toEqual([]);
    expect(await blockItems(yesterday, yesterday)).toEqual([]);
    const window = { from: addDays(today, -20), to: today };
    expect(await driversFor(window, ports(today))).toEqual(await fromDays(window));

    // The next day's first rollup run closes the blocks ending on the day that is over; a second run reads one item.
    await store.closeDriverBlocks(noon(addDays(today, 1)));
    const closed = await blockItems(yesterday, today);
    expect(closed).toContainEqual({ pk: aggregatePartition(driverBlockView(1)), sk: expect.stringMatching(yesterday) });
    await store.closeDriverBlocks(noon(addDays(today, 1)));
    expect(await blockItems(yesterday, today)).toEqual(closed);
    expect(await driversFor(window, ports(addDays(today, 1)))).toEqual(await fromDays(window));
  });

  it("reads only the answers that can reach the window's sample once a block's sample is full, with the same model", async () => {
    // 16 + 4 + 2 days: the 16-day block's 1,000 answers are full, so the smaller blocks' answers
    // ranked above its last one cannot be in the window's 1,000.
    const from = driverBlockOf("2026-01-10", 4).from;
    const window = { from, to: addDays(from, 21) };
    for (let index = 0; index < 22; index++) {
      const day = addDays(from, index);
      const many = responsesOf(day, 240).map((response, i) => ({
        ...response,
        customer: { id: `full-${day}-${i}`, segment: "smb", annualValue: 100, currency: "EUR" },
      }));
      await store.putDay(aggregateDay(day, many), AT);
    }
    const blocks = driverBlocksOf(window);
    expect(blocks.map((block) => block.level)).toEqual([4, 2, 1]);
    const read = await store.driverBlocks(blocks);
    expect(read.get(from)?.answers).toHaveLength(BLOCK_ANSWER_SAMPLE_SIZE);
    const fourDays = read.get((blocks[1] as { from: string }).from);
    expect(fourDays?.answers.length).toBeLessThan(4 * ANSWER_SAMPLE_SIZE);

    const answer = await driversFor(window, ports(addDays(window.to, 1)));
    const exact = await fromDays(window);
    expect(answer.model).toEqual(exact.model);
    expect(answer.model).toMatchObject({ sampled: true });
    const scores = (drivers: typeof exact) =>
      drivers.drivers.map(({ customers, customersEstimated, annualValue, ...scored }) => scored);
    expect(scores(answer)).toEqual(scores(exact));
  });
});
