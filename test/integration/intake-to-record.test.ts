import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DetailType, EVENT_SOURCE } from "../../lambdas/contracts/events";
import {
  ALLOWED_ORIGIN,
  drain,
  httpEvent,
  KEYS,
  type Pipeline,
  startPipeline,
  untilRedelivery,
} from "../support/pipeline";

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline.stop();
});
beforeEach(() => {
  pipeline.bus.failNext(0);
});

const eventsFor = (id: string) => pipeline.bus.events.filter((event) => (event.detail as { id: string }).id === id);

describe("intake → queue → enrichment → table → event", () => {
  it("stores one enriched record and publishes Response Recorded once", async () => {
    await pipeline.dynamoClient.send(
      new PutItemCommand({
        TableName: pipeline.tableName,
        Item: {
          pk: { S: "CUSTOMER#c-42" },
          sk: { S: "PROFILE" },
          segment: { S: "enterprise" },
          plan: { S: "pro" },
          annualValue: { N: "120000" },
          currency: { S: "EUR" },
          renewalDate: { S: "2027-01-31" },
          createdAt: { S: "2026-01-01T00:00:00.000Z" },
          updatedAt: { S: "2026-01-01T00:00:00.000Z" },
        },
      }),
    );
    const posted = await pipeline.submit({
      id: "resp-enrich-1",
      type: "nps",
      score: 3,
      comment: "Delivery was three weeks late and support never answered my emails. Terrible.",
      survey: "post-purchase",
      channel: "email",
      touchpoint: "delivery",
      customer: { id: "c-42", email: "ada@example.com" },
      attributes: { region: "EU" },
    });
    expect(posted.statusCode).toBe(202);
    expect(posted.body).toEqual({ id: "resp-enrich-1", status: "accepted" });
    await drain(pipeline);

    const got = await pipeline.read(
      httpEvent("GET /v1/responses/{id}", {
        pathParameters: { id: "resp-enrich-1" },
        headers: { authorization: `Bearer ${KEYS.read}` },
      }),
    );
    expect(got.statusCode).toBe(200);
    expect(got.body).toMatchObject({
      id: "resp-enrich-1",
      type: "nps",
      score: 3,
      scale: { min: 0, max: 10 },
      category: "detractor",
      sentiment: { label: "negative" },
      survey: "post-purchase",
      channel: "email",
      touchpoint: "delivery",
      customer: { id: "c-42", segment: "enterprise", plan: "pro", annualValue: 120000, renewalDate: "2027-01-31" },
      attributes: { region: "EU" },
    });
    expect(got.body.themes).toEqual(expect.arrayContaining(["delivery", "support"]));
    expect(got.body.sentiment.score).toBeLessThan(0);

    const published = eventsFor("resp-enrich-1");
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      source: EVENT_SOURCE,
      "detail-type": DetailType.ResponseRecorded,
      "event-bus-name": "cxloop",
      detail: { schemaVersion: 2, category: "detractor", customer: { id: "c-42", segment: "enterprise" } },
    });
    // The record keeps the email the response came with; the event, which erasure cannot reach, does not.
    expect(got.body.customer.email).toBe("ada@example.com");
    expect(JSON.stringify(published[0])).not.toContain("ada@example.com");
  });

  it("keeps one record when the same submission is posted twice and each message is delivered twice, and publishes it unchanged", async () => {
    const submission = { id: "resp-dup-1", type: "csat", score: 2, comment: "Checkout kept failing" };
    const first = await pipeline.submit(submission);
    const second = await pipeline.submit(submission);
    expect(first).toMatchObject({ statusCode: 202, body: { id: "resp-dup-1", status: "accepted" } });
    expect(second).toMatchObject({ statusCode: 202, body: { id: "resp-dup-1", status: "accepted" } });

    const records = await pipeline.receive();
    expect(records.filter((record) => record.body.includes("resp-dup-1"))).toHaveLength(2);
    // The event-source mapping may hand the same message over again: deliver the batch twice.
    await pipeline.deliver(records.map((record) => ({ ...record })));
    await pipeline.deliver(records);
    await drain(pipeline);

    const stored = (await pipeline.storedResponses()).filter((item) => item.id?.S === "resp-dup-1");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.category?.S).toBe("dissatisfied");
    // Every delivery publishes the one stored record (nothing marks it published): consumers dedupe by response id.
    const published = eventsFor("resp-dup-1").map((event) => JSON.stringify(event.detail));
    expect(published).toHaveLength(4);
    expect(new Set(published).size).toBe(1);
  });

  it("uses the Idempotency-Key header as the id when the body has none", async () => {
    const body = { type: "ces", score: 6 };
    const first = await pipeline.submit(body, { "idempotency-key": "order-991:ces" });
    const again = await pipeline.submit(body, { "idempotency-key": "order-991:ces" });
    expect(first.body).toEqual({ id: "order-991:ces", status: "accepted" });
    expect(again.body).toEqual(first.body);
    await drain(pipeline);
    const stored = (await pipeline.storedResponses()).filter((item) => item.id?.S === "order-991:ces");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.category?.S).toBe("easy");
  });

  it("refuses another body under a claimed id with 409 and keeps the first, whatever the key order of a retry", async () => {
    const original = { id: "resp-claim-1", type: "nps", score: 9, comment: "Great support" };
    expect((await pipeline.submit(original)).statusCode).toBe(202);
    const reordered = { comment: "Great support", score: 9, type: "nps", id: "resp-claim-1" };
    expect((await pipeline.submit(reordered)).body).toEqual({ id: "resp-claim-1", status: "accepted" });
    const suppressing = await pipeline.submit({ id: "resp-claim-1", type: "nps", score: 0, comment: "Awful" });
    expect(suppressing.statusCode).toBe(409);
    expect(suppressing.body.error).toMatchObject({ code: "idempotency_conflict", details: [{ path: "id" }] });
    const byHeader = await pipeline.submit({ type: "nps", score: 0 }, { "idempotency-key": "resp-claim-1" });
    expect(byHeader.statusCode).toBe(409);
    expect(byHeader.body.error.details[0].path).toBe("headers.idempotency-key");
    const batch = await pipeline.submitBatch({
      responses: [
        { id: "resp-claim-1", type: "nps", score: 1 },
        { id: "resp-claim-2", type: "nps", score: 8 },
      ],
    });
    expect(batch.body.results).toMatchObject([
      { index: 0, status: "rejected", error: { code: "idempotency_conflict", details: [{ path: "responses.0.id" }] } },
      { index: 1, status: "accepted", id: "resp-claim-2" },
    ]);
    await drain(pipeline);
    const stored = (await pipeline.storedResponses()).filter((item) => item.id?.S === "resp-claim-1");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.score?.N).toBe("9");
  });

  it("assigns distinct ULIDs when the client gives no id", async () => {
    const a = await pipeline.submit({ type: "nps", score: 10 });
    const b = await pipeline.submit({ type: "nps", score: 10 });
    expect(a.body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a.body.id).not.toBe(b.body.id);
    await drain(pipeline);
  });

  it("publishes on redelivery when the first attempt stored the record but failed to publish", async () => {
    await pipeline.submit({ id: "resp-publish-retry", type: "nps", score: 9 });
    pipeline.bus.failNext(1);
    const firstTry = await pipeline.deliver(await pipeline.receive());
    expect(firstTry.batchItemFailures).toHaveLength(1);
    expect(eventsFor("resp-publish-retry")).toHaveLength(0);
    expect((await pipeline.storedResponses()).filter((item) => item.id?.S === "resp-publish-retry")).toHaveLength(1);

    await untilRedelivery();
    const retry = await pipeline.deliver(await pipeline.receive());
    expect(retry.batchItemFailures).toHaveLength(0);
    expect(eventsFor("resp-publish-retry")).toHaveLength(1);
    expect((await pipeline.storedResponses()).filter((item) => item.id?.S === "resp-publish-retry")).toHaveLength(1);
  });

  it("reports poison messages as batch item failures, processes the rest, and lets the DLQ take them", async () => {
    await pipeline.sendRaw("{not json");
    await pipeline.sendRaw(JSON.stringify({ id: "x", type: "nps" }));
    await pipeline.submit({ id: "resp-beside-poison", type: "nps", score: 8 });
    const batch = await pipeline.receive();
    expect(batch).toHaveLength(3);
    const result = await pipeline.deliver(batch);
    const poisonIds = batch.filter((record) => !record.body.includes("resp-beside-poison")).map((r) => r.messageId);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(poisonIds.sort());
    expect((await pipeline.storedResponses()).filter((item) => item.id?.S === "resp-beside-poison")).toHaveLength(1);

    // maxReceiveCount is 3 in the harness: two more failed receives move both to the DLQ.
    for (let attempt = 0; attempt < 3; attempt++) {
      await untilRedelivery();
      const records = await pipeline.receive();
      if (records.length > 0) await pipeline.deliver(records);
    }
    expect(await pipeline.queueDepth()).toBe(0);
    expect(await pipeline.queueDepth(pipeline.dlqUrl)).toBe(2);
  });
});

describe("batch intake", () => {
  it("accepts the valid items, rejects the others with their index and field, and queues only the valid", async () => {
    const answer = await pipeline.submitBatch({
      responses: [
        { id: "batch-1", type: "nps", score: 10 },
        { id: "batch-2", type: "nps", score: 11 },
        { id: "batch-3", type: "comment", comment: "Love the new app" },
        { id: "batch-4", type: "csat", score: 5, colour: "blue" },
      ],
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.body.accepted).toBe(2);
    expect(answer.body.rejected).toBe(2);
    expect(answer.body.results).toEqual([
      { index: 0, id: "batch-1", status: "accepted" },
      {
        index: 1,
        status: "rejected",
        error: expect.objectContaining({
          code: "validation_failed",
          details: [{ path: "responses.1.score", message: "must be between 0 and 10" }],
        }),
      },
      { index: 2, id: "batch-3", status: "accepted" },
      {
        index: 3,
        status: "rejected",
        error: expect.objectContaining({ details: [expect.objectContaining({ path: "responses.3.colour" })] }),
      },
    ]);
    const queued = await pipeline.receive();
    expect(queued.map((record) => JSON.parse(record.body).id).sort()).toEqual(["batch-1", "batch-3"]);
    await pipeline.deliver(queued);
  });

  it("rejects an envelope over 100 items naming the field", async () => {
    const answer = await pipeline.submitBatch({
      responses: Array.from({ length: 101 }, () => ({ type: "nps", score: 5 })),
    });
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details[0].path).toBe("responses");
    expect(await pipeline.queueDepth()).toBe(0);
  });
});

describe("authentication and scopes", () => {
  const submitEvent = (headers: Record<string, string>) =>
    httpEvent("POST /v1/responses", { body: JSON.stringify({ type: "nps", score: 9 }), headers });

  it.each([
    ["no key", {}, 401, "unauthorized"],
    ["an unknown key", { authorization: "Bearer nope" }, 401, "unauthorized"],
    ["a read-only key", { "x-api-key": KEYS.read }, 403, "forbidden"],
    [
      "a submit key from a foreign origin",
      { "x-api-key": KEYS.submit, origin: "https://evil.example" },
      403,
      "forbidden",
    ],
    [
      "a submit key with no Origin (this stage takes none from servers)",
      { "x-api-key": KEYS.submit },
      403,
      "forbidden",
    ],
  ])("refuses a submission with %s", async (_, headers, status, code) => {
    const answer = await pipeline.intake(submitEvent(headers as Record<string, string>));
    expect(answer.statusCode).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(await pipeline.queueDepth()).toBe(0);
  });

  it("accepts a submit key from an allowed origin, and an admin key anywhere", async () => {
    const fromForm = await pipeline.intake(submitEvent({ "x-api-key": KEYS.submit, origin: ALLOWED_ORIGIN }));
    const fromServer = await pipeline.intake(submitEvent({ authorization: `Bearer ${KEYS.admin}` }));
    expect([fromForm.statusCode, fromServer.statusCode]).toEqual([202, 202]);
    await drain(pipeline);
  });

  it("refuses to read with a submit-only key", async () => {
    const answer = await pipeline.read(
      httpEvent("GET /v1/responses", { headers: { authorization: `Bearer ${KEYS.submit}` } }),
    );
    expect(answer.statusCode).toBe(403);
  });
});
