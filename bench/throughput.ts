import { DynamoDBClient, paginateQuery, QueryCommand } from "@aws-sdk/client-dynamodb";
import { monthBucket, TableKeys } from "../lambdas/contracts/table";
import { withLocalRuntime } from "./local-runtime";

/**
 * `npm run bench -- throughput`: the local runtime (`npm start`'s code path, sandboxes warm) taking
 * 2,000 single POSTs (by default) from CONCURRENCY clients. Intake's acceptance rate is the baseline the enrichment
 * rate is held against (the goal: enrichment keeps up). POST → readable is each record's `enrichedAt`
 * less its `receivedAt` (stamped by intake as it accepts): read back once all are stored, so no polling
 * client competes with the pipeline for the machine. `CXLOOP_BENCH_RESPONSES` changes the count.
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

export interface ThroughputResult {
  responses: number;
  acceptedPerSecond: number;
  enrichedPerSecond: number;
  readableP50Ms: number;
  readableP90Ms: number;
}

const percentile = (values: number[], share: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number;
};

export function throughputBench(log: (line: string) => void): Promise<ThroughputResult> {
  const responses = responsesToPost(process.env.CXLOOP_BENCH_RESPONSES);
  return withLocalRuntime("throughput", {}, async (runtime, _call, apiKey) => {
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    const dynamo = new DynamoDBClient({
      endpoint: runtime.endpoints.dynamodb,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const submittedAt = new Date().toISOString();
    const { byTime } = TableKeys.indexes;
    const ofTheMonth = {
      TableName: runtime.topology.tables[0]?.logicalId,
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
    try {
      // Every sandbox warm before the clock starts, as a deployment that has been taking traffic is.
      const warm = await fetch(`${runtime.url}/v1/responses`, {
        method: "POST",
        headers,
        body: JSON.stringify({ id: "warm-up", type: "nps", score: 9, submittedAt }),
      });
      if (warm.status !== 202) throw new Error(`warm-up POST answered ${warm.status}`);
      while ((await stored()) < 1) await new Promise((resolve) => setTimeout(resolve, POLL_MS));

      log(`throughput: ${responses} POSTs from ${CONCURRENCY} clients`);
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < responses) {
            const index = next++;
            const answer = await fetch(`${runtime.url}/v1/responses`, {
              method: "POST",
              headers,
              body: JSON.stringify({
                id: `throughput-${index}`,
                type: "nps",
                score: index % 11,
                comment: index % 3 === 0 ? "Delivery was late and support never called back." : undefined,
                customer: { id: `throughput-customer-${index % 200}` },
                submittedAt,
              }),
            });
            if (answer.status !== 202) throw new Error(`POST throughput-${index} answered ${answer.status}`);
          }
        }),
      );
      const accepted = performance.now();
      while ((await stored()) < responses + 1) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const enriched = performance.now();
      const readable = (await storedTimes()).map(({ receivedAt, enrichedAt }) => enrichedAt - receivedAt);
      return {
        responses,
        acceptedPerSecond: responses / ((accepted - started) / 1000),
        enrichedPerSecond: responses / ((enriched - started) / 1000),
        readableP50Ms: percentile(readable, 0.5),
        readableP90Ms: percentile(readable, 0.9),
      };
    } finally {
      dynamo.destroy();
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
    },
  ]);
}
