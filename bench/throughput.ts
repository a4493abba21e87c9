import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient, paginateQuery, QueryCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { monthBucket, TableKeys } from "../lambdas/contracts/table";
import { queueDepth } from "../local/sqs-poller";
import type { UsageReport } from "../local/usage";
import { withLocalRuntime } from "./local-runtime";

/**
 * `npm run bench -- throughput`: the local runtime (`npm start`'s code path, sandboxes warm) taking
 * 2,000 single POSTs (by default) from CONCURRENCY clients. Intake's acceptance rate is the baseline the enrichment
 * rate is held against (the goal: enrichment keeps up). POST → readable is each record's `enrichedAt`
 * less its `receivedAt` (stamped by intake as it accepts): read back once all are stored, so no polling
 * client competes with the pipeline for the machine; the end is watched through intake's queue depth (one
 * attribute read) and only then confirmed by counting what is stored (a read of every record, which polled
 * ten times a second took a good share of dynalite's time). `CXLOOP_BENCH_RESPONSES` changes the count.
 */
function responsesToPost(asked: string | undefined): number {
  if (asked === undefined) return 2_000;
  const count = Number(asked);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`CXLOOP_BENCH_RESPONSES must be a whole number of responses, at least 1 (got "${asked}")`);
  return count;
}
const CONCURRENCY = 8;
const POLL_MS = 100;
/** Responses posted before the clock starts, at the same concurrency: the pools grow as under the load measured. */
const WARM_UP = 10 * CONCURRENCY;

export interface ThroughputResult {
  responses: number;
  /** What the stand-ins served per response from the first POST until the last was enriched (GET /_local/usage). */
  perResponse: { invocations: number; sqsRequests: number; dynamoReadUnits: number; dynamoWriteUnits: number };
  acceptedPerSecond: number;
  enrichedPerSecond: number;
  readableP50Ms: number;
  readableP90Ms: number;
  /** Share of the time the main thread (SQS, EventBridge, HTTP, the pollers; dynalite has its own) was busy. */
  mainThreadBusy: number;
  /**
   * CPU time per response, user and system: the main thread's, and the whole process's (every thread: the stand-ins,
   * the sandboxes, libuv's pool). Unlike the rates, these hardly change with what else runs on the machine: a
   * thread that waits for a core is busy by the event loop's count, but not spending CPU.
   */
  cpuMsPerResponse: { mainThread: number; process: number };
}

const percentile = (values: number[], share: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number;
};

export function throughputBench(log: (line: string) => void): Promise<ThroughputResult> {
  const responses = responsesToPost(process.env.CXLOOP_BENCH_RESPONSES);
  return withLocalRuntime("throughput", {}, async (runtime, call, apiKey) => {
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    const clientConfig = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };
    const dynamo = new DynamoDBClient({ ...clientConfig, endpoint: runtime.endpoints.dynamodb });
    const sqs = new SQSClient({ ...clientConfig, endpoint: runtime.endpoints.sqs });
    const { topology } = runtime;
    const enrichment = topology.queueMappings.find(
      (mapping) => topology.functions.find((fn) => fn.logicalId === mapping.functionLogicalId)?.handler === "enrich",
    );
    if (!enrichment) throw new Error("the stack has no enrichment queue");
    const { QueueUrl: intakeQueue } = await sqs.send(new GetQueueUrlCommand({ QueueName: enrichment.queueLogicalId }));
    const submittedAt = new Date().toISOString();
    const { byTime } = TableKeys.indexes;
    const ofTheMonth = {
      TableName: topology.tables[0]?.logicalId,
      IndexName: byTime.name,
      KeyConditionExpression: "#pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: monthBucket(submittedAt) } },
    };
    const stored = async () => {
      const { Count } = await dynamo.send(
        new QueryCommand({ ...ofTheMonth, ExpressionAttributeNames: { "#pk": byTime.partitionKey }, Select: "COUNT" }),
      );
      return Count ?? 0;
    };
    const storedTimes = async () => {
      const times: { receivedAt: number; enrichedAt: number }[] = [];
      const pages = paginateQuery(
        { client: dynamo },
        {
          ...ofTheMonth,
          ExpressionAttributeNames: { "#pk": byTime.partitionKey, "#id": "id" },
          ProjectionExpression: "#id, receivedAt, enrichedAt",
        },
      );
      for await (const page of pages)
        for (const item of page.Items ?? [])
          if (item.id?.S?.startsWith("throughput-"))
            times.push({
              receivedAt: Date.parse(item.receivedAt?.S as string),
              enrichedAt: Date.parse(item.enrichedAt?.S as string),
            });
      return times;
    };
    /** Until intake's queue is worked off, then until `count` responses are stored. */
    const allStored = async (count: number) => {
      while ((await queueDepth(sqs, intakeQueue as string)) > 0 || (await stored()) < count) await sleep(POLL_MS);
    };
    const post = (prefix: string, count: number) => {
      let next = 0;
      return Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < count) {
            const index = next++;
            const answer = await fetch(`${runtime.url}/v1/responses`, {
              method: "POST",
              headers,
              body: JSON.stringify({
                id: `${prefix}-${index}`,
                type: "nps",
                score: index % 11,
                comment: index % 3 === 0 ? "Delivery was late and support never called back." : undefined,
                customer: { id: `${prefix}-customer-${index % 200}` },
                submittedAt,
              }),
            });
            if (answer.status !== 202) throw new Error(`POST ${prefix}-${index} answered ${answer.status}`);
          }
        }),
      );
    };
    try {
      // Sandboxes warm before the clock starts, as many as the load grows the pools to, as in a deployment that
      // has been taking traffic.
      await post("warm-up", WARM_UP);
      await allStored(WARM_UP);

      log(`throughput: ${responses} POSTs from ${CONCURRENCY} clients`);
      await call("POST", "/_local/usage/reset");
      const loopBefore = performance.eventLoopUtilization();
      const mainThreadBefore = process.threadCpuUsage();
      const processBefore = process.cpuUsage();
      const started = performance.now();
      await post("throughput", responses);
      const accepted = performance.now();
      await allStored(WARM_UP + responses);
      const enriched = performance.now();
      const mainThreadBusy = performance.eventLoopUtilization(loopBefore).utilization;
      const mainThreadCpu = process.threadCpuUsage(mainThreadBefore);
      const processCpu = process.cpuUsage(processBefore);
      const usage = (await call("GET", "/_local/usage")) as unknown as UsageReport;
      const readable = (await storedTimes()).map(({ receivedAt, enrichedAt }) => enrichedAt - receivedAt);
      const each = (count: number) => count / responses;
      const msEach = ({ user, system }: NodeJS.CpuUsage) => each((user + system) / 1000);
      return {
        responses,
        perResponse: {
          invocations: each(usage.lambda.invocations),
          sqsRequests: each(usage.sqs.requests + usage.sqs.emptyReceives),
          dynamoReadUnits: each(usage.dynamodb.readUnits),
          dynamoWriteUnits: each(usage.dynamodb.writeUnits),
        },
        acceptedPerSecond: responses / ((accepted - started) / 1000),
        enrichedPerSecond: responses / ((enriched - started) / 1000),
        readableP50Ms: percentile(readable, 0.5),
        readableP90Ms: percentile(readable, 0.9),
        mainThreadBusy,
        cpuMsPerResponse: { mainThread: msEach(mainThreadCpu), process: msEach(processCpu) },
      };
    } finally {
      dynamo.destroy();
      sqs.destroy();
    }
  });
}

export function printThroughput(result: ThroughputResult) {
  const round = (value: number) => Math.round(value);
  console.log(
    `\nlocal throughput, ${result.responses} single POSTs from ${CONCURRENCY} clients (goal: ≥ 200 enriched/s)`,
  );
  console.table([
    {
      "accepted /s (baseline)": round(result.acceptedPerSecond),
      "enriched /s": round(result.enrichedPerSecond),
      "enriched / accepted": Number((result.enrichedPerSecond / result.acceptedPerSecond).toFixed(2)),
      "POST → readable p50 ms": round(result.readableP50Ms),
      "p90 ms": round(result.readableP90Ms),
      "main thread busy": `${Math.round(result.mainThreadBusy * 100)} %`,
      "CPU ms / response, main thread": round(result.cpuMsPerResponse.mainThread),
      "whole process": round(result.cpuMsPerResponse.process),
    },
  ]);
  const { perResponse } = result;
  const tenth = (value: number) => Number(value.toFixed(1));
  console.log("per response, until the last was enriched (what the stand-ins served)");
  console.table([
    {
      "λ invocations": tenth(perResponse.invocations),
      "SQS requests": tenth(perResponse.sqsRequests),
      "DynamoDB read units": tenth(perResponse.dynamoReadUnits),
      "DynamoDB write units": tenth(perResponse.dynamoWriteUnits),
    },
  ]);
}
