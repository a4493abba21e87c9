import { paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { dynamoDocumentClient } from "../lambdas/adapters/clients/dynamodb";
import { MetricsStore } from "../lambdas/adapters/metrics-store";
import type { GroupBy } from "../lambdas/contracts/metrics";
import { ApiRoute } from "../lambdas/contracts/routes";
import { aggregatePartition } from "../lambdas/contracts/table";
import {
  aggregateDay,
  dayAfter,
  type driverBlockView,
  RUNNING_VIEW,
  runningTerms,
  type View,
} from "../lambdas/core/aggregates";
import { daysForDrivers } from "../lambdas/core/drivers";
import { addDays, type Filters, periodWindows, resolveWindow, viewFor, type Window } from "../lambdas/core/metrics";
import { driversFor, type MetricsQueryPorts, metricsFor } from "../lambdas/core/metrics-queries";
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
  /**
   * `GET /v1/drivers` over 90 days ending on the last day and DRIVER_SHIFT_DAYS before it: the
   * window's driver blocks, and the day views of any day no block covers.
   */
  drivers: {
    endsDaysBefore: number;
    medianMs: number;
    p90Ms: number;
    items: number;
    bytes: number;
    readMs: number;
    computeMs: number;
  }[];
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
/**
 * The second drivers window ends this many days before the last day: where the 64-day block grid
 * cuts a 90-day window into 8 blocks (5 for one ending on the last day).
 */
const DRIVER_SHIFT_DAYS = 44;
/** Runs of the read and the computation timed apart (fewer: they only show where the time goes). */
const SPLIT_RUNS = Math.max(3, Math.round(runs / 6));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] as number;
const since = (started: number) => performance.now() - started;

/** An API Gateway HTTP API (payload 2.0) event for `GET /v1/metrics` (or another GET route), as the route integration sends it. */
const metricsEvent = (query: Record<string, string>, routeKey: string = ApiRoute.getMetrics) =>
  apiGatewayEvent(routeKey, key, { query });
const context = () => benchContext("metrics-api");

/** A chunk's size as stored (and billed): deflated bytes, or the text an older format wrote. */
const storedBytes = (data: unknown) =>
  data instanceof Uint8Array ? data.byteLength : Buffer.byteLength(String(data ?? ""));

/** Items and data bytes put into each partition, counted on the client the store writes with (which names a put by its low-level command). */
const puts = new Map<string, { items: number; bytes: number }>();
dynamoDocumentClient().middlewareStack.add(
  (next, context) => async (args) => {
    const item = (args.input as { Item?: { pk?: unknown; data?: unknown } }).Item;
    if (context.commandName === "PutItemCommand" && typeof item?.pk === "string") {
      const into = puts.get(item.pk) ?? { items: 0, bytes: 0 };
      into.items += 1;
      into.bytes += storedBytes(item.data);
      puts.set(item.pk, into);
    }
    return next(args);
  },
  { step: "initialize" },
);

const isBlock = (pk: string) => pk.startsWith(aggregatePartition("drivers-"));

/** The handler's today: the real date, in UTC as no metrics time zone is set (both sizes' windows are over). */
const handlerToday = () => new Date().toISOString().slice(0, 10);

/** Items and data bytes the store's queries fetch while `counting` is set. */
let counting: { items: number; bytes: number } | null = null;
dynamoDocumentClient().middlewareStack.add(
  (next) => async (args) => {
    const result = await next(args);
    const items = (result.output as { Items?: { data?: unknown }[] }).Items;
    if (counting && items)
      for (const item of items) {
        counting.items += 1;
        counting.bytes += storedBytes(item.data);
      }
    return result;
  },
  { step: "initialize" },
);

/** What `GET /v1/drivers` reads of a window (`daysForDrivers` on the store), counted on the store's client. */
async function driverVolume(store: MetricsStore, window: Window, today: string) {
  counting = { items: 0, bytes: 0 };
  await daysForDrivers(store, window, today);
  const read = counting;
  counting = null;
  return read;
}

async function load(store: MetricsStore, plan: SyntheticPlan) {
  puts.clear();
  let cells = 0;
  let themeCells = 0;
  let themeCustomers = 0;
  let peakRss = 0;
  const at = new Date(`${plan.lastDay}T23:59:59Z`);
  // The rollup's first run after midnight closes the blocks that end on the last day: the steady state.
  const nextRun = new Date(`${dayAfter(plan.lastDay)}T00:05:00Z`);
  const started = performance.now();
  for (const { day, count } of dailyCounts(plan)) {
    const aggregate = aggregateDay(day, responsesOfDay(plan, day, count));
    cells += aggregate.cells.length;
    themeCells += aggregate.themes.length;
    for (const theme of aggregate.themes) themeCustomers += Object.keys(theme.customers).length;
    await store.putDay(aggregate, at);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  await store.closeDriverBlocks(nextRun);
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
      bytes += storedBytes(item.data);
    }
  }
  return { items, bytes, pages };
}

/** What a query on three or more dimensions reads: the running sums its spans are made of, one query each. */
async function runningVolume(store: MetricsStore, spans: readonly Window[]) {
  const days = [...new Set(spans.map(runningTerms).flatMap((term) => [...term.add, ...term.subtract]))];
  counting = { items: 0, bytes: 0 };
  await store.runningSums(days);
  const read = counting;
  counting = null;
  return { ...read, pages: days.length };
}

/**
 * The query's own path run again with its reads timed apart, to see where the time goes: read time
 * is while any read is in flight (reads run in parallel), compute the rest. Medians of SPLIT_RUNS.
 */
async function readAndCompute(
  store: MetricsStore,
  query: (aggregates: MetricsQueryPorts["aggregates"]) => Promise<unknown>,
) {
  const reads: number[] = [];
  const computes: number[] = [];
  let readMs = 0;
  let inFlight = 0;
  let since0 = 0;
  const timed =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    async (...args: A) => {
      if (inFlight++ === 0) since0 = performance.now();
      try {
        return await read(...args);
      } finally {
        if (--inFlight === 0) readMs += since(since0);
      }
    };
  const aggregates = {
    days: timed(store.days.bind(store)),
    runningSums: timed(store.runningSums.bind(store)),
    driverBlocks: timed(store.driverBlocks.bind(store)),
  };
  for (let run = 0; run < SPLIT_RUNS; run++) {
    readMs = 0;
    const started = performance.now();
    await query(aggregates);
    reads.push(readMs);
    computes.push(since(started) - readMs);
  }
  return { readMs: median(reads), computeMs: median(computes) };
}

async function main() {
  const tableName = process.env.TABLE_NAME as string;
  const store = new MetricsStore(dynamoDocumentClient(), tableName);
  const loaded: Awaited<ReturnType<typeof load>>[] = [];
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
      const split = await readAndCompute(store, (aggregates) =>
        metricsFor(
          {
            from: window.from,
            to: window.lastDay,
            ...(variant.groupBy ? { groupBy: variant.groupBy } : {}),
            ...variant.filters,
          },
          { aggregates, today: () => window.lastDay, minResponses: 30 },
        ),
      );
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
        ...split,
        bodyKb: (bodies[index] ?? 0) / 1024,
      });
    }
  }

  const drivers = sizes.map(() => [] as WorkerResult["drivers"]);
  for (const shift of [0, DRIVER_SHIFT_DAYS]) {
    const spans = windows.map((window) => windowsOf(addDays(window.lastDay, -shift)));
    const timed = await timeInTurns((index) => {
      const span = spans[index] as (typeof spans)[number];
      return metricsEvent({ from: span.from, to: span.lastDay }, ApiRoute.getDrivers);
    });
    for (const [index, span] of spans.entries()) {
      const query = { from: span.from, to: span.lastDay };
      drivers[index]?.push({
        endsDaysBefore: shift,
        medianMs: median(timed.times[index] ?? []),
        p90Ms: p90(timed.times[index] ?? []),
        ...(await driverVolume(store, span.current, handlerToday())),
        ...(await readAndCompute(store, (aggregates) =>
          driversFor(query, { aggregates, today: handlerToday, minResponses: 30 }),
        )),
      });
    }
  }
  const results: WorkerResult[] = windows.map((_, index) => ({
    total: sizes[index]?.total ?? 0,
    days: SPAN_DAYS,
    ...(loaded[index] as (typeof loaded)[number]),
    queries: queries[index] ?? [],
    queryPeakRssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    drivers: drivers[index] ?? [],
  }));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`metrics bench worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
