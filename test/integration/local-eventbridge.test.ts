import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { type BusEvent, startLocalEventBridge } from "../../local/eventbridge";

/** Puts one event through the AWS SDK and returns what the bridge's listener was handed. */
async function putOne(recordEvents: boolean) {
  const bus = await startLocalEventBridge({ recordEvents });
  const heard: BusEvent[] = [];
  bus.onEvent((event) => {
    heard.push(event);
  });
  const client = new EventBridgeClient({
    endpoint: bus.url,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  try {
    const { FailedEntryCount } = await client.send(
      new PutEventsCommand({
        Entries: [{ Source: "cxloop", DetailType: "Response Recorded", Detail: '{"id":"r-1"}' }],
      }),
    );
    expect(FailedEntryCount).toBe(0);
    return { heard, kept: [...bus.events] };
  } finally {
    client.destroy();
    await bus.close();
  }
}

describe("the local EventBridge", () => {
  it("hands every event to its listeners and keeps none, so a long-running runtime does not grow", async () => {
    const { heard, kept } = await putOne(false);
    expect(heard.map((event) => event.detail)).toEqual([{ id: "r-1" }]);
    expect(kept).toEqual([]);
  });

  it("keeps the events for tests that ask it to", async () => {
    const { heard, kept } = await putOne(true);
    expect(kept).toEqual(heard);
    expect(kept).toHaveLength(1);
  });
});
