import { describe, expect, it } from "vitest";
import {
  aggregateDay,
  BLOCK_ANSWER_SAMPLE_SIZE,
  BLOCK_CUSTOMER_SAMPLE_SIZE,
  cellsOfView,
  type DayAggregate,
  DRIVER_BLOCK_LEVELS,
  type DriverBlock,
  dayAfter,
  driverBlockOf,
  driverBlocksOf,
  mergeDriverBlock,
  type RollupResponse,
} from "../../lambdas/core/aggregates";
import { type AggregateReader, computeDrivers, daysForDrivers } from "../../lambdas/core/drivers";
import { addDays } from "../../lambdas/core/metrics";
import { rollupResponse } from "../support/responses";

const THEMES = ["delivery", "price", "staff"];
/** A busy day: far more customers per theme than a block keeps, and scores that follow the themes. */
const responsesOf = (day: string, count: number): RollupResponse[] =>
  Array.from({ length: count }, (_, i) =>
    rollupResponse({
      id: `${day}-${i}`,
      type: i % 4 === 3 ? ("csat" as const) : ("nps" as const),
      score: i % 4 === 3 ? 1 + (i % 5) : i % 3 === 0 ? i % 6 : 7 + (i % 4),
      themes: i % 5 === 4 ? [] : [THEMES[i % 3] as string],
      // Multiples of 1/8 add up exactly in any order, so merges in any grouping agree to the bit.
      sentiment: { label: "neutral", score: ((i % 9) - 4) / 8 },
      survey: i % 2 === 0 ? "post-purchase" : "relationship",
      touchpoint: "delivery",
      stage: null,
      channel: "web",
      customer: {
        id: `c${(i * 13 + day.length * 7 + Number(day.slice(-2)) * 31) % 900}`,
        segment: "smb",
        annualValue: 100,
        currency: "EUR",
      },
      submittedAt: `${day}T10:00:00.000Z`,
    }),
  );
/** What drivers read of a day: its totals by survey, theme cells and answer sample. */
const pieceOf = (aggregate: DayAggregate): DayAggregate => ({
  ...aggregate,
  cells: cellsOfView(aggregate.cells, "survey"),
});

describe("driver blocks", () => {
  it("cut any window into disjoint aligned blocks, at most two of each size", () => {
    for (let start = 0; start < 200; start += 7)
      for (const length of [1, 2, 30, 63, 90, 181]) {
        const window = { from: addDays("2026-01-01", start), to: addDays("2026-01-01", start + length - 1) };
        const blocks = driverBlocksOf(window);
        expect(blocks[0]?.from).toBe(window.from);
        expect(blocks[blocks.length - 1]?.to).toBe(window.to);
        for (const [index, block] of blocks.entries()) {
          expect(driverBlockOf(block.from, block.level)).toEqual(block);
          if (index > 0) expect(block.from).toBe(dayAfter(blocks[index - 1]?.to as string));
        }
        for (let level = 0; level < DRIVER_BLOCK_LEVELS; level++)
          expect(blocks.filter((block) => block.level === level).length).toBeLessThanOrEqual(2);
        if (length <= 90) expect(blocks.length).toBeLessThanOrEqual(12);
      }
  });

  it("are, merged from halves, exactly the merge of their days, however sampled", () => {
    const first = driverBlockOf("2026-03-01", 3).from;
    const days = Array.from({ length: 8 }, (_, index) =>
      pieceOf(aggregateDay(addDays(first, index), responsesOf(addDays(first, index), 400))),
    );
    const halves = (from: number, size: number): DayAggregate =>
      size === 1
        ? (days[from] as DayAggregate)
        : mergeDriverBlock(days[from]?.day as string, [halves(from, size / 2), halves(from + size / 2, size / 2)]);
    const block = halves(0, 8);
    expect(block).toEqual(mergeDriverBlock(first, days));
    expect(block.answers).toHaveLength(BLOCK_ANSWER_SAMPLE_SIZE);
    for (const theme of block.themes) {
      expect(Object.keys(theme.customers)).toHaveLength(BLOCK_CUSTOMER_SAMPLE_SIZE);
      expect(theme.customersSampled).toBe(true);
    }
  });

  it("give the drivers the days give, and say what they estimated", async () => {
    const from = driverBlockOf("2026-03-01", 4).from;
    const window = { from, to: addDays(from, 20) };
    const aggregates = Array.from({ length: 21 }, (_, index) => {
      const day = addDays(from, index);
      return pieceOf(aggregateDay(day, responsesOf(day, 150)));
    });
    const days: AggregateReader = {
      days: async (view, dayFrom, dayTo) =>
        aggregates
          .filter((day) => day.day >= dayFrom && day.day <= dayTo)
          .map((day) => ({ ...day, ...(view === "survey" ? { themes: [], answers: [] } : { cells: [] }) })),
    };
    const blocks: AggregateReader = {
      ...days,
      driverBlocks: async (wanted) =>
        new Map(
          wanted.map((block) => [
            block.from,
            mergeDriverBlock(
              block.from,
              aggregates.filter((day) => day.day >= block.from && day.day <= block.to),
            ),
          ]),
        ),
    };
    const today = addDays(window.to, 1);
    const fromDays = computeDrivers({ window, days: await daysForDrivers(days, window, today) });
    const fromBlocks = computeDrivers({ window, days: await daysForDrivers(blocks, window, today) });
    // The days' lists are complete, so they count customers exactly; the blocks' samples estimate them.
    const scores = (drivers: typeof fromDays) =>
      drivers.drivers.map(({ customers, customersEstimated, annualValue, ...scored }) => scored);
    expect(scores(fromBlocks)).toEqual(scores(fromDays));
    expect(fromBlocks.model).toEqual(fromDays.model);
    expect(fromBlocks.model).toMatchObject({ sampled: true });
    expect(fromBlocks.model?.n).toBeLessThan(BLOCK_ANSWER_SAMPLE_SIZE);
    for (const [index, driver] of fromBlocks.drivers.entries()) {
      const exact = fromDays.drivers[index];
      expect(exact?.customersEstimated).toBe(false);
      expect(driver.customersEstimated).toBe(true);
      expect(Math.abs(driver.customers / (exact?.customers ?? 0) - 1)).toBeLessThan(0.4);
    }
  });

  it("fail with the blocks' error, leaving no rejection of today's read unhandled", async () => {
    const from = driverBlockOf("2026-03-01", 5).from;
    const failing: AggregateReader = {
      days: () => new Promise((_, reject) => setTimeout(() => reject(new Error("days unavailable")), 5)),
      driverBlocks: async () => {
        throw new Error("blocks unavailable");
      },
    };
    await expect(daysForDrivers(failing, { from, to: addDays(from, 45) }, addDays(from, 40))).rejects.toThrow(
      "blocks unavailable",
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("read the days from today on as days, and every closed block in one round", async () => {
    const from = driverBlockOf("2026-03-01", 5).from;
    const today = addDays(from, 40);
    const window = { from, to: addDays(from, 45) };
    const stored = new Map<string, DayAggregate>();
    for (let index = 0; index < 46; index++) {
      const day = addDays(from, index);
      stored.set(day, pieceOf(aggregateDay(day, responsesOf(day, 20))));
    }
    const rounds: DriverBlock[][] = [];
    const daySpans: string[] = [];
    const reader: AggregateReader = {
      days: async (view, dayFrom, dayTo) => {
        if (view === "survey") daySpans.push(`${dayFrom}..${dayTo}`);
        return [...stored.values()]
          .filter((day) => day.day >= dayFrom && day.day <= dayTo)
          .map((day) => ({ ...day, ...(view === "survey" ? { themes: [], answers: [] } : { cells: [] }) }));
      },
      driverBlocks: async (wanted) => {
        rounds.push([...wanted]);
        return new Map(
          wanted.map((block) => [
            block.from,
            mergeDriverBlock(
              block.from,
              [...stored.values()].filter((day) => day.day >= block.from && day.day <= block.to),
            ),
          ]),
        );
      },
    };
    const read = await daysForDrivers(reader, window, today);
    expect(rounds).toHaveLength(1);
    expect(rounds.flat().every((block) => block.to < today)).toBe(true);
    expect(daySpans).toEqual([`${today}..${window.to}`]);
    expect(read.map((piece) => piece.day).sort()).toEqual(
      [...rounds.flat().map((block) => block.from), ...[0, 1, 2, 3, 4, 5].map((index) => addDays(today, index))].sort(),
    );
  });
});
