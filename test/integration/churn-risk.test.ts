import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "../../lambdas/contracts/events";
import { customerResponsesKey } from "../../lambdas/contracts/table";
import { drain, httpEvent, KEYS, type Pipeline, startPipeline, untilRedelivery } from "../support/pipeline";

let pipeline: Pipeline;
let customersApi: Awaited<ReturnType<Pipeline["api"]>>;

beforeAll(async () => {
  pipeline = await startPipeline();
  customersApi = await pipeline.api("customers-api");
});
afterAll(async () => {
  await pipeline.stop();
});

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/** A profile renewing within 30 days: a detractor's answer after a promoter's takes it over the 0.6 threshold. */
async function renewingSoon(id: string) {
  const renewalDate = new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
  const answer = await customersApi(
    httpEvent("PUT /v1/customers/{id}", {
      body: JSON.stringify({ renewalDate }),
      headers: { authorization: `Bearer ${KEYS.admin}` },
      pathParameters: { id },
    }),
  );
  expect(answer.statusCode).toBe(201);
}

/** The profile item as the assessment left it (the 360° view computes its risk afresh, and reads the cases). */
async function profileOf(id: string) {
  const item = (await pipeline.scanTable()).find(
    (candidate) => candidate.pk === `CUSTOMER#${id}` && candidate.sk === "PROFILE",
  );
  if (!item) throw new Error(`no profile ${id}`);
  return item;
}
const atRiskEventsOf = (customerId: string) =>
  pipeline.bus.events.filter(
    (event) =>
      event["detail-type"] === DetailType.CustomerAtRisk &&
      (event.detail as { customerId: string }).customerId === customerId,
  );

/** Receives until the queue has handed out `count` messages, so they are delivered as one batch. */
async function oneBatchOf(count: number): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  while (records.length < count) records.push(...(await pipeline.receive(count - records.length)));
  return records;
}

const nps = (id: string, customerId: string, score: number, submittedAt: string) => ({
  id,
  type: "nps",
  score,
  customer: { id: customerId },
  submittedAt,
});

describe("churn risk in enrichment", () => {
  it("assesses each customer of a batch after all of the batch is stored, and publishes At Risk once per crossing", async () => {
    await renewingSoon("risk-a");
    await renewingSoon("risk-b");
    // The detractor arrives first: alone it is not enough (0.48); with the promoter it replaces, it is a 7-point drop.
    for (const body of [
      nps("risk-a-2", "risk-a", 2, daysAgo(1)),
      nps("risk-a-1", "risk-a", 9, daysAgo(2)),
      nps("risk-b-1", "risk-b", 9, daysAgo(1)),
    ])
      expect((await pipeline.submit(body)).statusCode).toBe(202);
    const batch = await oneBatchOf(3);
    expect((await pipeline.deliver(batch)).batchItemFailures).toEqual([]);

    const a = await profileOf("risk-a");
    expect(a.rollups).toMatchObject({ responseCount: 2, latestScores: { nps: { score: 2 } } });
    expect(a.churnRisk).toMatchObject({ level: "high" });
    expect((await profileOf("risk-b")).rollups).toMatchObject({ responseCount: 1 });
    expect(atRiskEventsOf("risk-a")).toHaveLength(1);
    expect(atRiskEventsOf("risk-b")).toHaveLength(0);

    // The same messages again (an SQS duplicate): found stored, published and assessed again, crossing nothing.
    for (const record of batch) await pipeline.sendRaw(record.body);
    expect((await pipeline.deliver(await oneBatchOf(3))).batchItemFailures).toEqual([]);
    expect((await profileOf("risk-a")).rollups).toEqual(a.rollups);
    expect(atRiskEventsOf("risk-a")).toHaveLength(1);
  });

  it("fails only the messages of a customer whose assessment failed, and assesses them on redelivery", async () => {
    await renewingSoon("risk-c");
    await renewingSoon("risk-d");
    // A case item that does not parse: reading risk-d's cases fails, and only risk-d's assessment with it.
    const brokenCase = { pk: { S: "CASE#broken" }, sk: { S: "CASE" } };
    await pipeline.dynamoClient.send(
      new PutItemCommand({
        TableName: pipeline.tableName,
        Item: {
          ...brokenCase,
          gsi2pk: { S: customerResponsesKey("risk-d") },
          gsi2sk: { S: "CASE#2026-01-01T00:00:00.000Z#broken" },
        },
      }),
    );
    for (const body of [nps("risk-c-1", "risk-c", 9, daysAgo(1)), nps("risk-d-1", "risk-d", 9, daysAgo(1))])
      expect((await pipeline.submit(body)).statusCode).toBe(202);
    const batch = await oneBatchOf(2);
    const failed = (await pipeline.deliver(batch)).batchItemFailures.map((failure) => failure.itemIdentifier);
    const messageOf = (responseId: string) => batch.find((record) => JSON.parse(record.body).id === responseId);
    expect(failed).toEqual([messageOf("risk-d-1")?.messageId]);
    expect((await profileOf("risk-c")).rollups).toMatchObject({ responseCount: 1 });
    expect((await profileOf("risk-d")).rollups).toBeUndefined();
    const stored = (await pipeline.storedResponses()).map((item) => item.id?.S);
    expect(stored).toContain("risk-d-1");

    await pipeline.dynamoClient.send(new DeleteItemCommand({ TableName: pipeline.tableName, Key: brokenCase }));
    await untilRedelivery();
    await drain(pipeline);
    expect((await profileOf("risk-d")).rollups).toMatchObject({
      responseCount: 1,
      latestScores: { nps: { score: 9 } },
    });
  });
});
