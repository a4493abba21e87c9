import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type EventPattern, matchesEventPattern, parseEventPattern } from "../lambdas/core/event-pattern";
import { putEventsEntrySize, type UsageMeter } from "./usage";

/** An event as EventBridge delivers it to a target. */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  "event-bus-name": string;
}

export interface LocalEventBridge {
  url: string;
  /**
   * Every event accepted so far, oldest first, when started with `recordEvents` (the tests read it);
   * otherwise empty, so a long-running local runtime does not keep every event in memory.
   */
  events: BusEvent[];
  /** Makes the next `count` PutEvents entries fail as EventBridge reports failures (FailedEntryCount). */
  failNext(count: number): void;
  /** A listener may return a promise: PutEvents answers once it has settled (the runtime journals the event first). */
  onEvent(listener: (event: BusEvent) => void | Promise<void>): void;
  close(): Promise<void>;
}

const ACCOUNT = "000000000000";
const REGION = "us-east-1";

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
}

interface TestEventPatternInput {
  EventPattern?: string;
  Event?: string;
}

/** The fields EventBridge insists a test event has (the API reference also lists `resources`, which AWS does not enforce). */
const REQUIRED_TEST_EVENT_FIELDS = ["id", "account", "source", "time", "region", "detail-type"] as const;

/**
 * TestEventPattern, answered with the same matcher the local rules use. As on AWS, a bad pattern is
 * InvalidEventPatternException and a bad event (not a JSON object, or lacking a required field) is
 * ValidationException "Parameter Event is not valid."; both are HTTP 400.
 */
function testEventPattern(input: TestEventPatternInput): [number, unknown] {
  if (typeof input.EventPattern !== "string" || typeof input.Event !== "string")
    return [400, { __type: "ValidationException", message: "EventPattern and Event are required strings." }];
  let pattern: EventPattern;
  try {
    pattern = parseEventPattern(input.EventPattern);
  } catch (error) {
    return [400, { __type: "InvalidEventPatternException", message: (error as Error).message }];
  }
  const badEvent = (reason?: string): [number, unknown] => [
    400,
    { __type: "ValidationException", message: `Parameter Event is not valid.${reason ? ` Reason: ${reason}` : ""}` },
  ];
  let event: unknown;
  try {
    event = JSON.parse(input.Event);
  } catch {
    return badEvent();
  }
  if (event === null || typeof event !== "object" || Array.isArray(event)) return badEvent();
  const missing = REQUIRED_TEST_EVENT_FIELDS.filter((field) => !(field in event));
  if (missing.length > 0) return badEvent(`Provided Event is missing required fields: ${missing.join(", ")}.`);
  return [200, { Result: matchesEventPattern(pattern, event) }];
}

/**
 * A stand-in for the EventBridge API (JSON 1.1 protocol, as the AWS SDK speaks it),
 * so publishers run unchanged against it through AWS_ENDPOINT_URL_EVENTBRIDGE.
 * Answers PutEvents and TestEventPattern; rules and targets are the local runtime's concern.
 */
export async function startLocalEventBridge(
  options: {
    port?: number;
    /** Counts each accepted PutEvents entry, by its size. */
    usage?: UsageMeter;
    /** Keep every accepted event in `events`. */
    recordEvents?: boolean;
  } = {},
): Promise<LocalEventBridge> {
  const events: BusEvent[] = [];
  const listeners: ((event: BusEvent) => void | Promise<void>)[] = [];
  let failures = 0;

  const putEvents = (entries: PutEventsEntry[]) => {
    const accepted: Promise<void>[] = [];
    const results = entries.map((entry) => {
      if (failures > 0) {
        failures -= 1;
        return { ErrorCode: "InternalFailure", ErrorMessage: "injected failure" };
      }
      if (!entry.Source || !entry.DetailType || entry.Detail === undefined)
        return { ErrorCode: "MalformedDetail", ErrorMessage: "Source, DetailType and Detail are required" };
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
      }
      const time = entry.Time === undefined ? new Date() : new Date(Number(entry.Time) * 1000 || entry.Time);
      const event: BusEvent = {
        version: "0",
        id: randomUUID(),
        "detail-type": entry.DetailType,
        source: entry.Source,
        account: ACCOUNT,
        time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
        region: REGION,
        resources: entry.Resources ?? [],
        detail,
        "event-bus-name": entry.EventBusName ?? "default",
      };
      if (options.recordEvents) events.push(event);
      options.usage?.eventEntry(putEventsEntrySize(entry));
      for (const listener of listeners) {
        const done = listener(event);
        if (done) accepted.push(done);
      }
      return { EventId: event.id };
    });
    return {
      answer: { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results },
      accepted: Promise.all(accepted),
    };
  };

  const server: Server = createServer(async (request, response) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const body = await readBody(request);
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(payload));
    };
    try {
      const input = body ? (JSON.parse(body) as { Entries?: PutEventsEntry[] }) : {};
      if (target === "AWSEvents.PutEvents") {
        const { answer, accepted } = putEvents(input.Entries ?? []);
        // Not kept, not acknowledged: the SDK retries a 500, and consumers dedupe a second copy.
        const kept = await accepted.then(
          () => true,
          () => false,
        );
        return kept ? reply(200, answer) : reply(500, { __type: "InternalException", message: "event not stored" });
      }
      if (target === "AWSEvents.TestEventPattern") return reply(...testEventPattern(input as TestEventPatternInput));
      reply(400, { __type: "UnknownOperationException", message: `${target} is not supported locally` });
    } catch (error) {
      reply(400, { __type: "ValidationException", message: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port: boundPort } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${boundPort}`,
    events,
    failNext: (count) => {
      failures = count;
    },
    onEvent: (listener) => {
      listeners.push(listener);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
