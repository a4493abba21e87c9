import { paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { dynamoDocumentClient } from "../lambdas/adapters/clients/dynamodb";
import { MetricsStore } from "../lambdas/adapters/metrics-store";
import type { GroupBy } from "../lambdas/contracts/metrics";
import { ApiRoute } from "../lambdas/contracts/routes";
import { aggregatePartition } from "../lambdas/contracts/table";
import {
  aggregateDay,
  type DriverBlock,
  driverBlockHalves,
  driverBlocksOf,
  driverBlockView,
  RUNNING_VIEW,
  runningTerms,
  type View,
} from "../lambdas/core/aggregates";
import { addDays, type Filters, periodWindows, resolveWindow, viewFor, type Window } from "../lambdas/core/metrics";
import { metricsFor } from "../lambdas/core/metrics-queries";
import { apiGatewayEvent, benchContext } from "./lambda-invocation";
import { dailyCounts, responsesOfDay, type SyntheticPlan } from "./synthetic";

/**
 * The metrics benchmark's worker (started by bench/metrics.ts): loads each size's synthetic
 * responses' worth of day aggregates into TABLE_NAME day by day (generate, aggregate, put,
 * drop), each size over its own 180 days, then times `GET /v1/metrics` and `GET /v1/drivers`
 * through the real handler module, configured from the environment as Lambda configures it,
 * the sizes taking turns request by request. Prints one JSON line (a `WorkerResult` per size).
 */
export interface WorkerResult {
  total: number;
  days: number;
  loadMs: number;
  loadPeakRssMb: number;
  cellsPerDay: number;
  themeCellsPerDay: number;
  themeCustomersPerDay: number;
  /** Items put per day while loading: the views of the day, the cube's running sums, and the driver blocks (with their KB). */
  putsPerDay: { views: number; running: number; blocks: number; blockKb: number };
  queries: {
    name: string;
    /** The stored view the handler reads for this query, and what reading it costs. */
    view: View | typeof RUNNING_VIEW;
    items: number;
    bytes: number;
    pages: number;
    medianMs: number;
    p90Ms: number;
    readMs: number;
    computeMs: number;
    bodyKb: number;
  }[];
  queryPeakRssMb: number;
  /** `GET /v1/drivers` over the same 90 days: the window's driver blocks, and the day views of any day no block covers. */
  drivers: { medianMs: number; p90Ms: number; items: number; bytes: number };
}

const [runsArg, keyArg, ...sizeArgs] = process.argv.slice(2);
const runs = Number(runsArg);
const key = String(keyArg);
/** `responses:lastDay` per size; each size's 180 days end on its own day, so both share one table. */
const sizes = sizeArgs.map((arg) => {
  const [total, lastDay] = arg.split(":");
  return { total: Number(total), lastDay: String(lastDay) };
});
const SPAN_DAYS = 180;
const WINDOW_DAYS = 90;
const WARMUPS = 2;
/** Runs of the read and the computation timed apart (fewer: they only show where the time goes). */
const SPLIT_RUNS = Math.max(3, Math.round(runs / 6));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] as number;
const since = (started: number) => performance.now() - started;

/** An API Gateway HTTP API (payload 2.0) event for `GET /v1/metrics` (or another GET route), as the route integration sends it. */
const metricsEvent = (query: Record<string, string>, routeKey: string = ApiRoute.getMetrics) =>
  apiGatewayEvent(routeKey, key, { query });
const context = () => benchContext("metrics-api");

/** Items and data bytes put into each partition, counted on the client the store writes with (which names a put by its low-level command). */
const puts = new Map<string, { items: number; bytes: number }>();
dynamoDocumentClient().middlewareStack.add(
  (next, context) => async (args) => {
    const item = (args.input as { Item?: { pk?: unknown; data?: unknown } }).Item;
    if (context.commandName === "PutItemCommand" && typeof item?.pk === "string") {
      const into = puts.get(item.pk) ?? { items: 0, bytes: 0 };
      into.items += 1;
      into.bytes += Buffer.byteLength(String(item.data ?? ""));
      puts.set(item.pk, into);
    }
    return next(args);
  },
  { step: "initialize" },
);

const isBlock = (pk: string) => pk.startsWith(aggregatePartition("drivers-"));

/**
 * What `GET /v1/drivers` reads (`daysForDrivers`): each block of the window as stored, a block not
 * stored as its halves (the query that found nothing counted too), down to the three day views of a day.
 */
async function driverVolume(tableName: string, window: Window) {
  let items = 0;
  let bytes = 0;
  const add = (read: { items: number; bytes: number }) => {
    items += read.items;
    bytes += read.bytes;
  };
  for (let wanted = driverBlocksOf(window); wanted.length > 0; ) {
    const halves: DriverBlock[] = [];
    for (const block of wanted) {
      if (block.level === 0) {
        for (const view of ["survey", "themes", "answers"] as const)
          add(await readVolume(tableName, view, block.from, block.to));
        continue;
      }
      const stored = await readVolume(tableName, driverBlockView(block.level), block.from, block.from);
      add(stored);
      if (stored.items === 0) halves.push(...driverBlockHalves(block));
    }
    wanted = halves;
  }
  return { items, bytes };
}

async function load(store: MetricsStore, plan: SyntheticPlan) {
  puts.clear();
  let cells = 0;
  let themeCells = 0;
  let themeCustomers = 0;
  let peakRss = 0;
  const at = new Date(`${plan.lastDay}T23:59:59Z`);
  const started = performance.now();
  for (const { day, count } of dailyCounts(plan)) {
    const aggregate = aggregateDay(day, responsesOfDay(plan, day, count));
    cells += aggregate.cells.length;
    themeCells += aggregate.themes.length;
    for (const theme of aggregate.themes) themeCustomers += Object.keys(theme.customers).length;
    await store.putDay(aggregate, at);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  return {
    loadMs: since(started),
    loadPeakRssMb: Math.round(peakRss / 2 ** 20),
    cellsPerDay: cells / plan.days,
    themeCellsPerDay: themeCells / plan.days,
    themeCustomersPerDay: themeCustomers / plan.days,
    putsPerDay: {
      views:
        [...puts].reduce(
          (sum, [pk, put]) => (pk === aggregatePartition(RUNNING_VIEW) || isBlock(pk) ? sum : sum + put.items),
          0,
        ) / plan.days,
      running: (puts.get(aggregatePartition(RUNNING_VIEW))?.items ?? 0) / plan.days,
      blocks: [...puts].reduce((sum, [pk, put]) => (isBlock(pk) ? sum + put.items : sum), 0) / plan.days,
      blockKb: [...puts].reduce((sum, [pk, put]) => (isBlock(pk) ? sum + put.bytes : sum), 0) / 1024 / plan.days,
    },
  };
}

/** What one metrics request reads: the view's day-aggregate items of both windows, as `MetricsStore.days` queries them. */
async function readVolume(
  tableName: string,
  view: View | ReturnType<typeof driverBlockView>,
  from: string,
  to: string,
) {
  let items = 0;
  let bytes = 0;
  let pages = 0;
  const query = paginateQuery(
    { client: dynamoDocumentClient() },
    {
      TableName: tableName,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
      ExpressionAttributeValues: { ":pk": aggregatePartition(view), ":from": `${from}#`, ":to": `${to}#~` },
    },
  );
  for await (const page of query) {
    pages += 1;
    for (const item of page.Items ?? []) {
      items += 1;
      bytes += Buffer.byteLength(String(item.data));
    }
  }
  return { items, bytes, pages };
}

/** What a query on three or more dimensions reads: the running sums its spans are made of, one query each. */
async function runningVolume(store: MetricsStore, spans: readonly Window[]) {
  const days = [...new Set(spans.map(runningTerms).flatMap((term) => [...term.add, ...term.subtract]))];
  const sums = await store.runningSums(days);
  const bytes = [...sums.values()].reduce((sum, cells) => sum + (cells.length ? JSON.stringify(cells).length : 0), 0);
  return { items: days.length, bytes, pages: days.length };
}

async function main() {
  const tableName = process.env.TABLE_NAME as string;
  const store = new MetricsStore(dynamoDocumentClient(), tableName);
  const loaded = [];
  for (const size of sizes)
    loaded.push(await load(store, { total: size.total, lastDay: size.lastDay, days: SPAN_DAYS, seed: 20_261_120 }));

  const windowsOf = (lastDay: string) => {
    const from = addDays(lastDay, -(WINDOW_DAYS - 1));
    const windows = resolveWindow({ from, to: lastDay }, lastDay);
    if (!windows.ok) throw new Error("bad window");
    return { from, lastDay, ...windows.value };
  };
  const windows = sizes.map((size) => windowsOf(size.lastDay));

  // The real handler module, configured from the environment at import as on Lambda.
  const { handler } = await import("../lambdas/handlers/metrics-api");
  const invoke = handler as unknown as (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<{ statusCode: number; body: string }>;

  /**
   * Times the request at every size, taking turns run by run, so that whatever else the machine
   * is doing weighs on each size alike.
   */
  async function timeInTurns(request: (index: number) => APIGatewayProxyEventV2) {
    const times = sizes.map(() => [] as number[]);
    const bodies = sizes.map(() => 0);
    for (let run = 0; run < WARMUPS + runs; run++)
      for (const index of sizes.keys()) {
        const started = performance.now();
        const result = await invoke(request(index), context());
        const elapsed = since(started);
        if (result.statusCode !== 200) throw new Error(`answered ${result.statusCode}: ${result.body}`);
        bodies[index] = Buffer.byteLength(result.body);
        if (run >= WARMUPS) times[index]?.push(elapsed);
      }
    return { times, bodies };
  }

  const variants: { name: string; groupBy?: GroupBy; filters?: Filters }[] = [
    { name: "no groupBy" },
    { name: "groupBy=day", groupBy: "day" },
    { name: "groupBy=segment", groupBy: "segment" },
    { name: "survey=post-purchase&groupBy=touchpoint", groupBy: "touchpoint", filters: { survey: "post-purchase" } },
    {
      name: "survey=post-purchase&segment=smb&groupBy=channel",
      groupBy: "channel",
      filters: { survey: "post-purchase", segment: "smb" },
    },
  ];
  const queries: WorkerResult["queries"][] = sizes.map(() => []);
  for (const variant of variants) {
    const dayView = viewFor(variant.filters ?? {}, variant.groupBy ?? null);
    const running = dayView === "cube" && variant.groupBy !== "day";
    const { times, bodies } = await timeInTurns((index) => {
      const window = windows[index] as (typeof windows)[number];
      return metricsEvent({
        from: window.from,
        to: window.lastDay,
        ...(variant.groupBy ? { groupBy: variant.groupBy } : {}),
        ...variant.filters,
      });
    });
    for (const [index, window] of windows.entries()) {
      // The query's own path with its reads timed apart, to see where the time goes.
      const reads: number[] = [];
      const computes: number[] = [];
      let readMs = 0;
      const timed =
        <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
        async (...args: A) => {
          const started = performance.now();
          const result = await read(...args);
          readMs += since(started);
          return result;
        };
      const aggregates = {
        days: timed(store.days.bind(store)),
        runningSums: timed(store.runningSums.bind(store)),
      };
      for (let run = 0; run < SPLIT_RUNS; run++) {
        readMs = 0;
        const started = performance.now();
        await metricsFor(
          {
            from: window.from,
            to: window.lastDay,
            ...(variant.groupBy ? { groupBy: variant.groupBy } : {}),
            ...variant.filters,
          },
          { aggregates, today: () => window.lastDay, minResponses: 30 },
        );
        reads.push(readMs);
        computes.push(since(started) - readMs);
      }
      const groupBy = variant.groupBy;
      const spans = [
        window.previous,
        ...(groupBy === "week" || groupBy === "month" ? periodWindows(window.current, groupBy) : [window.current]),
      ];
      queries[index]?.push({
        name: variant.name,
        view: running ? RUNNING_VIEW : dayView,
        ...(running
          ? await runningVolume(store, spans)
          : await readVolume(tableName, dayView, window.previous.from, window.current.to)),
        medianMs: median(times[index] ?? []),
        p90Ms: p90(times[index] ?? []),
        readMs: median(reads),
        computeMs: median(computes),
        bodyKb: (bodies[index] ?? 0) / 1024,
      });
    }
  }

  const drivers = await timeInTurns((index) => {
    const window = windows[index] as (typeof windows)[number];
    return metricsEvent({ from: window.from, to: window.lastDay }, ApiRoute.getDrivers);
  });
  const results: WorkerResult[] = [];
  for (const [index, window] of windows.entries()) {
    const read = await driverVolume(tableName, window.current);
    results.push({
      total: sizes[index]?.total ?? 0,
      days: SPAN_DAYS,
      ...(loaded[index] as Awaited<ReturnType<typeof load>>),
      queries: queries[index] ?? [],
      queryPeakRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      drivers: {
        medianMs: median(drivers.times[index] ?? []),
        p90Ms: p90(drivers.times[index] ?? []),
        ...read,
      },
    });
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`metrics bench worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
