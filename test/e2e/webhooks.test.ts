import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

/**
 * Outbound webhooks end to end in the local runtime: the bus rule, the fan-out and delivery functions and
 * their queues as the template wires them, delivering to a receiver on this machine that verifies every
 * request with the Standard Webhooks reference library, as a customer's receiver would.
 */
const local = localApi("webhooks");
const send = local.call;

interface Received {
  path: string;
  id: string;
  verified: boolean;
  payload: Json;
  raw: string;
  headers: Record<string, string>;
}
const received: Received[] = [];
/** Secrets by receiver path, learnt from POST /v1/webhooks. */
const secrets = new Map<string, string[]>();
/** Paths that answer 500 this many more times before they answer 200. */
const failuresLeft = new Map<string, number>();
let receiver: Server;
let base: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      const verified = (secrets.get(path) ?? []).some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      received.push({
        path,
        id: headers["webhook-id"] as string,
        verified,
        payload: JSON.parse(body),
        raw: body,
        headers,
      });
      const failures = failuresLeft.get(path) ?? 0;
      failuresLeft.set(path, failures - 1);
      response.writeHead(failures > 0 ? 500 : 204);
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await local.start({
    maxVisibilityTimeoutSeconds: 2,
    adjustConfig: (config) => ({
      ...config,
      webhooks: { retryScheduleSeconds: [1, 1] },
      followUp: { ...config.followUp, escalation: [{ name: "CX lead", slack: "cx-leads" }] },
    }),
  });
  // The management function's first answer waits for its sandbox; the tests time deliveries, not cold starts.
  expect((await send("GET", "/v1/webhooks")).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await local.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  local.removeData();
});

async function subscribe(path: string, body: Json): Promise<string> {
  const created = await send("POST", "/v1/webhooks", { url: `${base}${path}`, ...body });
  expect(created.status).toBe(201);
  secrets.set(path, [created.body.secret]);
  return created.body.id;
}
const at = (path: string, type?: string) =>
  received.filter((item) => item.path === path && (type === undefined || item.payload.type === type));

describe("webhooks in the local runtime", () => {
  it("delivers signed Response Recorded and Case Opened events, honouring each endpoint's filter", async () => {
    await subscribe("/all", { events: ["Response Recorded", "Case Opened"] });
    await subscribe("/detractors", {
      events: ["Response Recorded"],
      filter: { detail: { category: ["detractor"] } },
    });
    expect((await send("POST", "/v1/responses", { id: "wh-promoter", type: "nps", score: 10 })).status).toBe(202);
    expect(
      (await send("POST", "/v1/responses", { id: "wh-detractor", type: "nps", score: 2, comment: "Too slow" })).status,
    ).toBe(202);

    await eventually(async () => (at("/all", "Case Opened").length > 0 && at("/detractors").length > 0) || undefined);
    await eventually(async () => (at("/all", "Response Recorded").length >= 2 ? true : undefined));
    expect(received.every((item) => item.verified)).toBe(true);

    const recorded = at("/all", "Response Recorded").map((item) => item.payload);
    expect(recorded.map((payload) => payload.data.id).sort()).toEqual(["wh-detractor", "wh-promoter"]);
    const detractor = recorded.find((payload) => payload.data.id === "wh-detractor");
    expect(detractor).toMatchObject({ type: "Response Recorded", data: { category: "detractor", score: 2 } });
    expect(Date.parse(detractor.timestamp)).not.toBeNaN();
    expect(at("/all", "Case Opened")[0]?.payload.data.case.responseId).toBe("wh-detractor");
    // The filtered endpoint heard of the detractor only, and nothing it did not subscribe to.
    expect(at("/detractors").map((item) => item.payload.data.id)).toEqual(["wh-detractor"]);
  });

  it("retries a failed delivery with the same webhook-id, and logs attempts and answers", async () => {
    failuresLeft.set("/flaky", 1);
    // Filtered to its own response, so events of the other tests still on their way stay out of it.
    const id = await subscribe("/flaky", { events: ["Response Recorded"], filter: { detail: { id: ["wh-retry"] } } });
    expect((await send("POST", "/v1/responses", { id: "wh-retry", type: "csat", score: 1 })).status).toBe(202);

    const attempts = await eventually(async () => (at("/flaky").length >= 2 ? at("/flaky") : undefined), 15_000);
    expect(attempts.map((attempt) => attempt.id)).toEqual([attempts[0]?.id, attempts[0]?.id]);
    expect(attempts.every((attempt) => attempt.verified)).toBe(true);

    const log = await eventually(async () => {
      const { body } = await send("GET", `/v1/webhooks/${id}/deliveries`);
      return body.items[0]?.status === "delivered" ? body : undefined;
    });
    expect(log.items).toEqual([
      expect.objectContaining({
        id: attempts[0]?.id,
        type: "Response Recorded",
        status: "delivered",
        attempts: 2,
        responseStatus: 204,
        lastError: null,
        nextAttemptAt: null,
      }),
    ]);
    expect(log.items[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect((await send("GET", `/v1/webhooks/${id}`)).body.lastSuccessAt).not.toBeNull();
  });

  it("pings on request, signing with the old and new secret while a rotation overlaps", async () => {
    const id = await subscribe("/rotating", { events: ["Metrics Computed"] });
    const [oldSecret] = secrets.get("/rotating") ?? [];
    const rotated = await send("POST", `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const ping = await send("POST", `/v1/webhooks/${id}/test`);
    expect(ping.status).toBe(202);

    const [delivery] = await eventually(async () => (at("/rotating").length > 0 ? at("/rotating") : undefined));
    expect(delivery?.payload).toMatchObject({ type: "Webhook Ping", data: { webhookId: id } });
    expect(delivery?.id).toBe(ping.body.messageId);
    // Either secret alone verifies it: receivers switch at their own pace.
    for (const secret of [oldSecret as string, rotated.body.secret])
      expect(new Webhook(secret).verify(delivery?.raw as string, delivery?.headers as Record<string, string>)).toEqual(
        delivery?.payload,
      );
    expect(delivery?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
  });

  it("gives up after the last attempt, disables the endpoint, tells the admin contacts, and can be enabled again", async () => {
    failuresLeft.set("/down", 1000);
    const id = await subscribe("/down", { events: ["Response Recorded"], filter: { detail: { id: ["wh-down"] } } });
    expect((await send("POST", "/v1/responses", { id: "wh-down", type: "nps", score: 9 })).status).toBe(202);

    const webhook = await eventually(async () => {
      const { body } = await send("GET", `/v1/webhooks/${id}`);
      return body.status === "disabled" ? body : undefined;
    }, 15_000);
    expect(webhook.disabledReason).toMatch(/every attempt .* failed \(last: answered HTTP 500\)/);
    expect(at("/down")).toHaveLength(3);
    const { body } = await send("GET", `/v1/webhooks/${id}/deliveries`);
    expect(body.items[0]).toMatchObject({ status: "failed", attempts: 3, responseStatus: 500 });
    expect((await send("POST", `/v1/webhooks/${id}/test`)).status).toBe(409);
    const alert = await eventually(async () => {
      const { body: outbox } = await send("GET", "/_local/outbox");
      return outbox.items.find((item: Json) => item.to === "cx-leads" && item.text.includes(id));
    });
    expect(alert.text).toContain("was disabled");

    // The receiver is fixed: enabled again, the endpoint gets the next events (and a ping).
    failuresLeft.set("/down", 0);
    const enabled = await send("POST", `/v1/webhooks/${id}/enable`);
    expect(enabled.body).toMatchObject({ id, status: "enabled", disabledReason: null, disabledAt: null });
    expect((await send("POST", `/v1/webhooks/${id}/enable`)).body.status).toBe("enabled");
    const ping = await send("POST", `/v1/webhooks/${id}/test`);
    expect(ping.status).toBe(202);
    await eventually(async () => (at("/down").some((item) => item.id === ping.body.messageId) ? true : undefined));
    expect((await send("POST", "/v1/webhooks/01ARZ3NDEKTSV4RRFFQ69G5FAV/enable")).status).toBe(404);
  });

  it("documents every event type's payload in the OpenAPI document", async () => {
    const { body } = await send("GET", "/v1/openapi.json");
    expect(Object.keys(body.webhooks)).toEqual(
      expect.arrayContaining(["Response Recorded", "Case Opened", "Metrics Computed", "Webhook Ping"]),
    );
  });
});
