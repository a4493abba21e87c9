import { randomUUID } from "node:crypto";
import { paginateQuery } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { dynamoDocumentClient } from "../lambdas/adapters/clients";
import { MetricsStore } from "../lambdas/adapters/metrics-store";
import type { GroupBy } from "../lambdas/contracts/metrics";
import { ApiRoute } from "../lambdas/contracts/routes";
import { aggregatePartition } from "../lambdas/contracts/table";
import { aggregateDay, type View } from "../lambdas/core/aggregates";
import { addDays, computeMetrics, type Filters, resolveWindow, viewFor } from "../lambdas/core/metrics";
import { dailyCounts, responsesOfDay, type SyntheticPlan } from "./synthetic";

/**
 * One size of the metrics benchmark, in its own process (started by bench/metrics.ts):
 * loads `total` synthetic responses' worth of day aggregates into TABLE_NAME day by
 * day (generate, aggregate, put, drop), then times `GET /v1/metrics` through the real
 * handler module, configured from the environment as Lambda configures it.
 * Prints one JSON line (a `WorkerResult`) on stdout.
 */
export interface WorkerResult {
  total: number;
  days: number;
  loadMs: number;
  loadPeakRssMb: number;
  cellsPerDay: number;
  themeCellsPerDay: number;
  themeCustomersPerDay: number;
  queries: {
    name: string;
    /** The stored view the handler reads for this query, and what reading it costs. */
    view: View;
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
  /** `GET /v1/drivers` over the same 90 days: the survey and theme views of the window. */
  drivers: { medianMs: number; p90Ms: number; bytes: number };
}

const [totalArg, runsArg, keyArg, lastDayArg] = process.argv.slice(2);
const total = Number(totalArg);
const runs = Number(runsArg);
const key = String(keyArg);
const lastDay = String(lastDayArg);
const SPAN_DAYS = 180;
const WINDOW_DAYS = 90;
const WARMUPS = 2;
/** Runs of the read and the computation timed apart (fewer: they only show where the time goes). */
const SPLIT_RUNS = Math.max(3, Math.round(runs / 6));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const p90 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)] as number;
const since = (started: number) => performance.now() - started;

function context(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: "metrics-api",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:metrics-api",
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/metrics-api",
    logStreamName: "bench",
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An API Gateway HTTP API (payload 2.0) event for `GET /v1/metrics`, as the route integration sends it. */
function metricsEvent(query: Record<string, string>, routeKey: string = ApiRoute.metrics): APIGatewayProxyEventV2 {
  const path = routeKey.split(" ")[1] as string;
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { authorization: `Bearer ${key}`, accept: "application/json" },
    queryStringParameters: query,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "bench",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  };
}

async function load(store: MetricsStore, plan: SyntheticPlan) {
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
  };
}

/** What one metrics request reads: the view's day-aggregate items of both windows, as `MetricsStore.days` queries them. */
async function readVolume(tableName: string, view: View, from: string, to: string) {
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

async function main() {
  const tableName = process.env.TABLE_NAME as string;
  const plan: SyntheticPlan = { total, lastDay, days: SPAN_DAYS, seed: 20_261_120 };
  const store = new MetricsStore(dynamoDocumentClient(), tableName);
  const loaded = await load(store, plan);

  const from = addDays(lastDay, -(WINDOW_DAYS - 1));
  const windows = resolveWindow({ from, to: lastDay }, lastDay);
  if (!windows.ok) throw new Error("bad window");
  const { current, previous } = windows.value;

  // The real handler module, configured from the environment at import as on Lambda.
  const { handler } = await import("../lambdas/handlers/metrics-api");
  const invoke = handler as unknown as (
    event: APIGatewayProxyEventV2,
    context: Context,
  ) => Promise<{ statusCode: number; body: string }>;

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
  const queries: WorkerResult["queries"] = [];
  let queryPeakRss = 0;
  for (const variant of variants) {
    const query: Record<string, string> = {
      from,
      to: lastDay,
      ...(variant.groupBy ? { groupBy: variant.groupBy } : {}),
      ...variant.filters,
    };
    const view = viewFor(variant.filters ?? {}, variant.groupBy ?? null);
    const times: number[] = [];
    let bodyBytes = 0;
    for (let run = 0; run < WARMUPS + runs; run++) {
      const started = performance.now();
      const result = await invoke(metricsEvent(query), context());
      const elapsed = since(started);
      if (result.statusCode !== 200) throw new Error(`GET /v1/metrics answered ${result.statusCode}: ${result.body}`);
      bodyBytes = Buffer.byteLength(result.body);
      queryPeakRss = Math.max(queryPeakRss, process.memoryUsage().rss);
      if (run >= WARMUPS) times.push(elapsed);
    }
    // The two halves of the same path, timed apart to see where the time goes.
    const reads: number[] = [];
    const computes: number[] = [];
    for (let run = 0; run < SPLIT_RUNS; run++) {
      let started = performance.now();
      const days = await store.days(view, previous.from, current.to);
      reads.push(since(started));
      started = performance.now();
      computeMetrics({
        window: current,
        previousWindow: previous,
        filters: variant.filters ?? {},
        groupBy: variant.groupBy ?? null,
        days,
        previousDays: days,
      });
      computes.push(since(started));
    }
    queries.push({
      name: variant.name,
      view,
      ...(await readVolume(tableName, view, previous.from, current.to)),
      medianMs: median(times),
      p90Ms: p90(times),
      readMs: median(reads),
      computeMs: median(computes),
      bodyKb: bodyBytes / 1024,
    });
  }

  const driverTimes: number[] = [];
  for (let run = 0; run < WARMUPS + runs; run++) {
    const started = performance.now();
    const result = await invoke(metricsEvent({ from, to: lastDay }, ApiRoute.drivers), context());
    if (result.statusCode !== 200) throw new Error(`GET /v1/drivers answered ${result.statusCode}: ${result.body}`);
    if (run >= WARMUPS) driverTimes.push(since(started));
  }
  const driverBytes =
    (await readVolume(tableName, "survey", current.from, current.to)).bytes +
    (await readVolume(tableName, "themes", current.from, current.to)).bytes;

  const result: WorkerResult = {
    total,
    days: SPAN_DAYS,
    ...loaded,
    queries,
    queryPeakRssMb: Math.round(queryPeakRss / 2 ** 20),
    drivers: { medianMs: median(driverTimes), p90Ms: p90(driverTimes), bytes: driverBytes },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`metrics bench worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
