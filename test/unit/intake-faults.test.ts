import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../lambdas/core/auth";
import { httpEvent, lambdaContext } from "../support/pipeline";

// Fault injection only: the happy path is proven against local-aws-sqs in test/integration.
const sqs = mockClient(SQSClient);
// Every id claim succeeds: these tests are about the queue.
const dynamo = mockClient(DynamoDBDocumentClient);
type Invoke = (
  event: unknown,
  context: unknown,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
let intake: Invoke;

beforeAll(async () => {
  Object.assign(process.env, {
    QUEUE_URL: "http://127.0.0.1:1/123456789012/intake",
    TABLE_NAME: "cxloop-test",
    API_KEYS: JSON.stringify([{ name: "t", sha256: hashApiKey("k"), scopes: ["submit"] }]),
    ALLOWED_ORIGINS: "[]",
    // A server's submit key, unlimited: these tests are about the queue, and nothing here counts requests.
    ABUSE_CONTROL: JSON.stringify({
      serverSideSubmitKeys: true,
      perKey: null,
      perSourceIp: null,
      perCustomerSurvey: null,
    }),
  });
  intake = (await import("../../lambdas/handlers/intake")).handler as unknown as Invoke;
});
beforeEach(() => {
  sqs.reset();
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
});

const post = (route: string, body: unknown) =>
  intake(httpEvent(route, { body: JSON.stringify(body), headers: { "x-api-key": "k" } }), lambdaContext("intake"));

describe("intake when SQS misbehaves", () => {
  it("retries entries SQS reports as failed and answers 202 once they are in", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: "0", Code: "InternalError", SenderFault: false }] })
      .resolves({ Successful: [{ Id: "0", MessageId: "m", MD5OfMessageBody: "x" }], Failed: [] });
    const answer = await post("POST /v1/responses", { id: "r1", type: "nps", score: 9 });
    expect(answer.statusCode).toBe(202);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });

  it("answers 503 with Retry-After, not 500, when the queue keeps failing", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: "0", Code: "InternalError", SenderFault: false }] });
    const answer = await post("POST /v1/responses", { id: "r1", type: "nps", score: 9 });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers["retry-after"]).toBe("5");
    expect(JSON.parse(answer.body).error.code).toBe("unavailable");
  });

  it("answers 500 without internals when the SDK throws", async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error("socket hang up at 10.0.0.1"));
    const answer = await post("POST /v1/responses", { id: "r1", type: "nps", score: 9 });
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain("10.0.0.1");
    expect(JSON.parse(answer.body).error.code).toBe("internal");
  });

  it("marks only the items SQS refused in a batch, so the client retries just those", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.filter((entry) => entry.Id !== "1").map((entry) => ({ Id: entry.Id })),
      Failed: input.Entries.filter((entry) => entry.Id === "1").map((entry) => ({
        Id: entry.Id,
        Code: "x",
        SenderFault: false,
      })),
    }));
    const answer = await post("POST /v1/responses/batch", {
      responses: [
        { id: "a", type: "nps", score: 1 },
        { id: "b", type: "nps", score: 2 },
        { id: "c", type: "nps", score: 3 },
      ],
    });
    const body = JSON.parse(answer.body);
    expect(body.results.map((result: { status: string }) => result.status)).toEqual([
      "accepted",
      "rejected",
      "accepted",
    ]);
    expect(body.results[1].error.code).toBe("unavailable");
  });
});
