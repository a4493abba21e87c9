import { EventBridgeClient, InvalidEventPatternException, TestEventPatternCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchesEventPattern, parseEventPattern } from "../../lambdas/core/event-pattern";
import { type LocalEventBridge, startLocalEventBridge } from "../../local/eventbridge";
import { ec2, INVALID_PATTERNS, PATTERN_CASES } from "../support/pattern-cases";

let bus: LocalEventBridge;
let client: EventBridgeClient;

beforeAll(async () => {
  bus = await startLocalEventBridge({ recordEvents: true });
  client = new EventBridgeClient({
    endpoint: bus.url,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
});
afterAll(async () => {
  client.destroy();
  await bus.close();
});

const testPattern = async (pattern: string | object, event: string | object) => {
  const { Result } = await client.send(
    new TestEventPatternCommand({
      EventPattern: typeof pattern === "string" ? pattern : JSON.stringify(pattern),
      Event: typeof event === "string" ? event : JSON.stringify(event),
    }),
  );
  return Result;
};

/** Every row of the shared table, sent through the SDK as JSON text. */
const rows = Object.entries(PATTERN_CASES).flatMap(([operator, cases]) =>
  cases.map(([what, pattern, event, expected]) => ({ operator, what, pattern, event, expected })),
);

describe("TestEventPattern through the AWS SDK against the local endpoint", () => {
  it.each(rows)("$operator: $what → $expected", async ({ pattern, event, expected }) => {
    // The local matcher, on the event as it travels (JSON, so `undefined` fields are gone), agrees with the table…
    const asSent = JSON.parse(JSON.stringify(event));
    expect(matchesEventPattern(parseEventPattern(pattern), asSent)).toBe(expected);
    // …and the endpoint gives the same answer.
    expect(await testPattern(pattern, event)).toBe(expected);
  });

  it("keeps the last of a repeated key in the pattern text", async () => {
    const pattern = '{"region": [{"prefix": "us-"}], "region": [{"anything-but": "us-west-1"}]}';
    expect(await testPattern(pattern, ec2)).toBe(false);
    expect(await testPattern(pattern, { ...ec2, region: "eu-west-1" })).toBe(true);
  });

  it.each(INVALID_PATTERNS)("raises InvalidEventPatternException for %s", async (_what, pattern) => {
    const error = await testPattern(pattern, ec2).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidEventPatternException);
    expect((error as Error).message).toMatch(/^Event pattern is not valid\. Reason: /);
    expect((error as InvalidEventPatternException).$metadata.httpStatusCode).toBe(400);
  });

  it("refuses an event without the fields TestEventPattern requires, as AWS does", async () => {
    const { id: _id, time: _time, ...incomplete } = ec2;
    const error = await testPattern({ source: ["aws.ec2"] }, incomplete).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "ValidationException", $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toMatch(/^Parameter Event is not valid\..*missing required fields: id, time/);
  });

  it.each([
    ["not JSON", "{source: aws.ec2}"],
    ["not an object", '["aws.ec2"]'],
  ])("refuses an event that is %s", async (_what, event) => {
    await expect(testPattern({ source: ["aws.ec2"] }, event)).rejects.toMatchObject({
      name: "ValidationException",
      message: "Parameter Event is not valid.",
    });
  });

  it("publishes nothing when testing a pattern", async () => {
    const before = bus.events.length;
    expect(await testPattern({ source: ["aws.ec2"] }, ec2)).toBe(true);
    expect(bus.events.length).toBe(before);
  });
});
