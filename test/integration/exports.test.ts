import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEventV2, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseStore } from "../../lambdas/adapters/response-store";
import { EXPORT_CSV_COLUMNS } from "../../lambdas/contracts/exports";
import { EXPORT_FILES, LocalBucket } from "../../local/bucket-files";
import { toSqsRecord } from "../../local/sqs-poller";
import { type HttpAnswer, httpEvent, KEYS, lambdaContext, type Pipeline, startPipeline } from "../support/pipeline";
import { responseRecord } from "../support/responses";

/**
 * Export jobs through the real handlers: the API against dynalite, the export function fed from a local SQS queue,
 * files through the local runtime's stand-in for the bucket. A step budget of 1 ms makes every page a step.
 */
let pipeline: Pipeline;
let api: (event: APIGatewayProxyEventV2) => Promise<HttpAnswer>;
let worker: (event: SQSEvent) => Promise<SQSBatchResponse>;
let files: Server;
let exportQueueUrl: string;
const ROWS = 1234;

beforeAll(async () => {
  pipeline = await startPipeline();
  const { QueueUrl } = await pipeline.sqs.send(new CreateQueueCommand({ QueueName: "exports" }));
  exportQueueUrl = QueueUrl as string;
  const store = new LocalBucket(EXPORT_FILES, mkdtempSync(join(tmpdir(), "cxloop-exports-")));
  files = createServer((request, response) => {
    void store.handle(request, response, request.url ?? "");
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  Object.assign(process.env, {
    EXPORT_QUEUE_URL: exportQueueUrl,
    EXPORT_UPLOAD_URL: `http://127.0.0.1:${(files.address() as AddressInfo).port}${EXPORT_FILES.path}`,
    EXPORT_STEP_SECONDS: "0.001",
  });
  api = await pipeline.api("exports-api");
  const handler = (await import("../../lambdas/handlers/export")).handler;
  worker = (event) => handler(event, lambdaContext("export"));

  const responses = new ResponseStore(DynamoDBDocumentClient.from(pipeline.dynamoClient), pipeline.tableName);
  const start = Date.parse("2026-01-20T00:00:00.000Z");
  for (let i = 0; i < ROWS; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, ROWS - i) }, (_, j) => {
        const n = i + j;
        // Spread over three month buckets (an hour apart), with text that needs CSV quoting and a formula-looking comment.
        const at = new Date(start + n * 3_600_000).toISOString();
        return responses.putIfAbsent(
          responseRecord({
            id: `r-${n}`,
            score: n % 11,
            comment: n % 7 === 0 ? `=cmd "quoted", line\nbreak ${n}` : null,
            submittedAt: at,
            receivedAt: at,
            attributes: { n },
          }),
        );
      }),
    );
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => files.close(resolve));
  await pipeline.stop();
});

const call = (routeKey: string, options: { body?: unknown; id?: string; key?: string } = {}) =>
  api(
    httpEvent(routeKey, {
      headers: { authorization: `Bearer ${options.key ?? KEYS.admin}` },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.id ? { pathParameters: { id: options.id } } : {}),
    }),
  );
const window = { from: "2026-01-01T00:00:00.000Z", to: "2026-03-31T23:59:59.999Z" };

async function receive(): Promise<SQSRecord[]> {
  const { Messages } = await pipeline.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: exportQueueUrl, MaxNumberOfMessages: 1, AttributeNames: ["All"] }),
  );
  return (Messages ?? []).map((message) => toSqsRecord(message, "arn:aws:sqs:us-east-1:123456789012:exports"));
}

/** Plays the event-source mapping: one message a batch, deleted unless reported failed; `twice` delivers each again. */
async function drain(options: { twice?: boolean } = {}): Promise<number> {
  let steps = 0;
  for (let records = await receive(); records.length > 0; records = await receive()) {
    const result = await worker({ Records: records });
    expect(result.batchItemFailures).toEqual([]);
    if (options.twice) expect((await worker({ Records: records })).batchItemFailures).toEqual([]);
    for (const record of records)
      await pipeline.sqs.send(
        new DeleteMessageCommand({ QueueUrl: exportQueueUrl, ReceiptHandle: record.receiptHandle }),
      );
    steps += 1;
  }
  return steps;
}

async function download(id: string): Promise<{ job: HttpAnswer["body"]; text: string }> {
  const job = await call("GET /v1/exports/{id}", { id });
  expect(job.statusCode).toBe(200);
  expect(job.body.status).toBe("done");
  const file = await fetch(job.body.url);
  return { job: job.body, text: gunzipSync(Buffer.from(await file.arrayBuffer())).toString("utf8") };
}

describe("exports", () => {
  it("runs a JSONL export to done across many steps, each record once, newest first", async () => {
    const created = await call("POST /v1/exports", { body: { ...window, format: "jsonl" } });
    expect(created.statusCode).toBe(202);
    const { id } = created.body;
    expect((await call("GET /v1/exports/{id}", { id })).body).toMatchObject({ status: "running", rows: 0, url: null });

    // Redelivered steps (each message processed twice) must not add a row.
    expect(await drain({ twice: true })).toBeGreaterThan(2);
    const { job, text } = await download(id);
    expect(job.rows).toBe(ROWS);
    const records = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((record) => record.id)).toEqual(Array.from({ length: ROWS }, (_, n) => `r-${ROWS - 1 - n}`));
    expect(records[ROWS - 1]).toMatchObject({
      id: "r-0",
      comment: '=cmd "quoted", line\nbreak 0',
      attributes: { n: 0 },
    });
  });

  it("writes CSV with the documented columns, quoted, formulas defused", async () => {
    const { id } = (await call("POST /v1/exports", { body: { ...window, format: "csv" } })).body;
    await drain();
    const { job, text } = await download(id);
    expect(job.rows).toBe(ROWS);
    expect(text.split("\r\n")[0]).toBe(EXPORT_CSV_COLUMNS.join(","));
    expect(text).toContain(`r-0,nps,0,0-10,detractor,"'=cmd ""quoted"", line\nbreak 0",,,,,,,,,`);
    expect(text.split("\r\n").length).toBe(ROWS + 2);
  });

  it("refuses a bad window naming the field, a non-admin, and an unknown id", async () => {
    const bad = await call("POST /v1/exports", { body: { ...window, from: "2026-04-01T00:00:00Z", format: "jsonl" } });
    expect(bad.statusCode).toBe(422);
    expect(bad.body.error.details.map((detail: { path: string }) => detail.path)).toContain("to");
    const format = await call("POST /v1/exports", { body: { ...window, format: "xlsx" } });
    expect(format.statusCode).toBe(422);
    expect(format.body.error.details.map((detail: { path: string }) => detail.path)).toContain("format");
    expect((await call("POST /v1/exports", { body: { ...window, format: "csv" }, key: KEYS.read })).statusCode).toBe(
      403,
    );
    expect((await call("GET /v1/exports/{id}", { id: "exp_01J0000000000000000000000A" })).statusCode).toBe(404);
    expect((await call("GET /v1/exports/{id}", { id: "nope" })).statusCode).toBe(422);
  });
});
