import { EventBridgeClient, InvalidEventPatternException, TestEventPatternCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalEventBridge, startLocalEventBridge } from "../../local/eventbridge";
import { PATTERN_CASES } from "../support/pattern-cases";

let bus: LocalEventBridge;
let client: EventBridgeClient;

beforeAll(async () => {
  bus = await startLocalEventBridge();
  client = new EventBridgeClient({
    endpoint: bus.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  await bus.close();
});

describe("TestEventPattern through the AWS SDK against the local endpoint", () => {
  // Events that lack a field TestEventPattern requires are answered with an error, as on AWS.
  const complete = PATTERN_CASES.filter(([, , , event]) =>
    ["id", "account", "source", "time", "region", "detail-type"].every((field) => field in event),
  );

  it.each(complete.map(([operator, what, pattern, event, expected]) => ({ operator, what, pattern, event, expected })))(
    "$operator: $what → $expected",
    async ({ pattern, event, expected }) => {
      const { Result } = await client.send(
        new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
      );
      expect(Result).toBe(expected);
    },
  );

  it("raises InvalidEventPatternException for a bad pattern or an incomplete event", async () => {
    await expect(
      client.send(new TestEventPatternCommand({ EventPattern: '{"source": "aws.ec2"}', Event: "{}" })),
    ).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(
      client.send(
        new TestEventPatternCommand({ EventPattern: '{"source": ["aws.ec2"]}', Event: '{"source": "aws.ec2"}' }),
      ),
    ).rejects.toThrow(/missing required fields: id, account, time, region, detail-type/);
  });
});
