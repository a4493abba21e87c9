import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { sqsBatchHandler } from "../../lambdas/handlers/queued-event";

const record = (messageId: string): SQSRecord => ({
  messageId,
  receiptHandle: `handle-${messageId}`,
  body: JSON.stringify({ id: messageId }),
  attributes: {
    ApproximateReceiveCount: "1",
    SentTimestamp: "0",
    SenderId: "local",
    ApproximateFirstReceiveTimestamp: "0",
  },
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:queue",
  awsRegion: "us-east-1",
});
const context = {
  functionName: "test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:test",
  memoryLimitInMB: "512",
  awsRequestId: "request-1",
  logGroupName: "/aws/lambda/test",
  logStreamName: "local",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const batch: SQSEvent = { Records: ["a", "b", "c", "d"].map(record) };

describe("an SQS consumer that settles its batch", () => {
  it("settles only the messages that were processed, and reports failed what either step failed", async () => {
    const settled: string[][] = [];
    const handler = sqsBatchHandler(
      async (message, seen: string[]) => {
        if (message.messageId === "b") throw new Error("processing failed");
        seen.push(message.messageId);
      },
      {
        begin: () => [],
        settle: async (processed, seen) => {
          settled.push(
            processed.map((message) => message.messageId),
            seen,
          );
          return processed.filter((message) => message.messageId === "d");
        },
      },
    );
    const answer = await handler(batch, context);
    // Each batch starts from its own state: a second run sees only its own messages.
    await handler({ Records: [record("e")] }, context);
    expect(settled).toEqual([["a", "c", "d"], ["a", "c", "d"], ["e"], ["e"]]);
    expect(answer.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(["b", "d"]);
  });

  it("reports only processing failures without a settling step", async () => {
    const handler = sqsBatchHandler(async (message) => {
      if (message.messageId === "c") throw new Error("processing failed");
    });
    expect((await handler(batch, context)).batchItemFailures).toEqual([{ itemIdentifier: "c" }]);
  });
});
