import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ALLOWED_ORIGIN,
  drain,
  type HttpAnswer,
  httpEvent,
  KEYS,
  type Pipeline,
  startPipeline,
} from "../support/pipeline";

/**
 * Keys made and revoked through `/v1/keys`, and the limits on browser keys, through the real
 * handlers against dynalite. Time is set by the test (the Date only), so windows and caches are exact.
 */
let pipeline: Pipeline;
let keysApi: (event: APIGatewayProxyEventV2) => Promise<HttpAnswer>;
let responsesApi: (event: APIGatewayProxyEventV2) => Promise<HttpAnswer>;
const limits = {
  serverSideSubmitKeys: false,
  perKey: { requests: 6, perSeconds: 60 },
  perSourceIp: { requests: 3, perSeconds: 60 },
  perCustomerSurvey: { requests: 2, perSeconds: 3600 },
};
/** Each test starts on a day of its own, at the start of every limit's window, so counts never carry over. */
const FIRST_DAY = Date.parse("2026-12-02T10:00:00.000Z");
let testDay = 0;
let start: Date;

beforeAll(async () => {
  pipeline = await startPipeline(limits);
  keysApi = await pipeline.api("keys-api");
  responsesApi = await pipeline.api("responses-api");
});
afterAll(() => pipeline.stop());
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  start = new Date(FIRST_DAY + testDay++ * 86_400_000);
  vi.setSystemTime(start);
});
afterEach(() => vi.useRealTimers());

const admin = { authorization: `Bearer ${KEYS.admin}` };
const later = (seconds: number) => vi.setSystemTime(new Date(Date.now() + seconds * 1000));
const fromAddress = (event: APIGatewayProxyEventV2, sourceIp: string): APIGatewayProxyEventV2 => ({
  ...event,
  requestContext: { ...event.requestContext, http: { ...event.requestContext.http, sourceIp } },
});
const submission = (body: unknown, headers: Record<string, string>, sourceIp = "203.0.113.1") =>
  pipeline.intake(fromAddress(httpEvent("POST /v1/responses", { body: JSON.stringify(body), headers }), sourceIp));
const createKey = (body: unknown) =>
  keysApi(httpEvent("POST /v1/keys", { body: JSON.stringify(body), headers: admin }));

describe("managed API keys", () => {
  it("creates a key shown once, stores only a salted hash, and lists it without the key", async () => {
    const created = await createKey({ name: "bi-dashboard", scopes: ["read"] });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({ name: "bi-dashboard", scopes: ["read"], source: "managed", lastUsedAt: null });
    expect(created.body.key).toMatch(/^cxk_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);

    const { Items } = await pipeline.dynamoClient.send(new ScanCommand({ TableName: pipeline.tableName }));
    const secret = (created.body.key as string).split("_")[2] as string;
    expect(JSON.stringify(Items)).not.toContain(secret);

    const listed = await keysApi(httpEvent("GET /v1/keys", { headers: admin }));
    expect(listed.statusCode).toBe(200);
    expect(listed.body.items.filter((key: { source: string }) => key.source === "stage")).toHaveLength(3);
    const mine = listed.body.items.find((key: { id: string }) => key.id === created.body.id);
    expect(mine).toEqual({
      id: created.body.id,
      name: "bi-dashboard",
      scopes: ["read"],
      allowedOrigins: [],
      source: "managed",
      createdAt: start.toISOString(),
      lastUsedAt: null,
    });
  });

  it("lets a new key in at once with its scopes only, and records when it was last used", async () => {
    const { body: created } = await createKey({ name: "reporting", scopes: ["read"] });
    const asKey = { authorization: `Bearer ${created.key}` };
    expect((await responsesApi(httpEvent("GET /v1/responses", { headers: asKey }))).statusCode).toBe(200);
    expect((await keysApi(httpEvent("GET /v1/keys", { headers: asKey }))).statusCode).toBe(403);

    const listed = await keysApi(httpEvent("GET /v1/keys", { headers: admin }));
    const mine = listed.body.items.find((key: { id: string }) => key.id === created.id);
    expect(mine.lastUsedAt).toBe(start.toISOString());
  });

  it("refuses a revoked key everywhere within 30 seconds, and a forged or garbled one at once", async () => {
    const { body: created } = await createKey({ name: "temporary", scopes: ["read"] });
    const asKey = { authorization: `Bearer ${created.key}` };
    expect((await responsesApi(httpEvent("GET /v1/responses", { headers: asKey }))).statusCode).toBe(200);

    const revoked = await keysApi(
      httpEvent("DELETE /v1/keys/{id}", { pathParameters: { id: created.id }, headers: admin }),
    );
    expect(revoked).toMatchObject({ statusCode: 200, body: { id: created.id, status: "revoked" } });
    later(31);
    const refused = await responsesApi(httpEvent("GET /v1/responses", { headers: asKey }));
    expect(refused.statusCode).toBe(401);
    expect(refused.body.error.code).toBe("unauthorized");

    const again = await keysApi(
      httpEvent("DELETE /v1/keys/{id}", { pathParameters: { id: created.id }, headers: admin }),
    );
    expect(again.statusCode).toBe(404);

    const { body: other } = await createKey({ name: "other", scopes: ["admin"] });
    const forged = `${(other.key as string).slice(0, 31)}${"A".repeat(43)}`;
    const answer = await responsesApi(
      httpEvent("GET /v1/responses", { headers: { authorization: `Bearer ${forged}` } }),
    );
    expect(answer.statusCode).toBe(401);
  });

  it.each([
    ["no name", { scopes: ["read"] }, "name"],
    ["an unknown scope", { name: "x", scopes: ["root"] }, "scopes.0"],
    ["a scope twice", { name: "x", scopes: ["read", "read"] }, "scopes"],
    [
      "an origin with a path",
      { name: "x", scopes: ["submit"], allowedOrigins: ["https://a.example/form"] },
      "allowedOrigins.0",
    ],
    ["an unknown field", { name: "x", scopes: ["read"], key: "mine" }, "key"],
  ])("refuses a key request with %s, naming the field", async (_, body, field) => {
    const answer = await createKey(body);
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
  });

  it("binds a submit key to its own origins, and refuses it with no Origin", async () => {
    const { body: created } = await createKey({
      name: "shop",
      scopes: ["submit"],
      allowedOrigins: ["https://shop.example"],
    });
    const asKey = (origin?: string) => ({
      authorization: `Bearer ${created.key}`,
      ...(origin ? { origin } : {}),
    });
    const nps = { type: "nps", score: 9 };
    expect((await submission(nps, asKey("https://shop.example"), "198.51.100.1")).statusCode).toBe(202);
    expect((await submission(nps, asKey(ALLOWED_ORIGIN), "198.51.100.2")).statusCode).toBe(403);
    const serverSide = await submission(nps, asKey(), "198.51.100.3");
    expect(serverSide.statusCode).toBe(403);
    expect(serverSide.body.error.message).toMatch(/Origin/);
    await drain(pipeline);
  });
});

describe("limits on browser keys", () => {
  const formKey = { authorization: `Bearer ${KEYS.submit}`, origin: ALLOWED_ORIGIN };

  it("answers 429 with Retry-After past the per-address limit, stores nothing for it, and lets other addresses on", async () => {
    const answers = [];
    for (let n = 0; n < 4; n += 1) answers.push(await submission({ type: "nps", score: 8 }, formKey, "192.0.2.10"));
    expect(answers.map((answer) => answer.statusCode)).toEqual([202, 202, 202, 429]);
    const refused = answers[3] as HttpAnswer;
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(await pipeline.queueDepth()).toBe(3);

    expect((await submission({ type: "nps", score: 8 }, formKey, "192.0.2.11")).statusCode).toBe(202);
    expect((await submission({ type: "nps", score: 8 }, admin, "192.0.2.10")).statusCode).toBe(202);
    later(60);
    expect((await submission({ type: "nps", score: 8 }, formKey, "192.0.2.10")).statusCode).toBe(202);
    await drain(pipeline);
  });

  it("answers 429 past the per-key limit, whatever the address", async () => {
    const statuses = [];
    for (let n = 0; n < 7; n += 1)
      statuses.push((await submission({ type: "csat", score: 4 }, formKey, `192.0.2.${100 + n}`)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429]);
    await drain(pipeline);
  });

  it("lets a customer answer a survey only so often; an honest retry still gets its first answer", async () => {
    const detractor = (id: string, survey = "onboarding") => ({
      id,
      type: "nps",
      score: 2,
      survey,
      customer: { id: "c-victim" },
    });
    const address = (n: number) => `192.0.2.${200 + n}`;
    expect((await submission(detractor("flood-1"), formKey, address(1))).statusCode).toBe(202);
    expect((await submission(detractor("flood-2"), formKey, address(2))).statusCode).toBe(202);
    const third = await submission(detractor("flood-3"), formKey, address(3));
    expect(third.statusCode).toBe(429);
    expect(third.body.error.message).toMatch(/customer and survey/);
    expect((await submission(detractor("flood-1"), formKey, address(4))).statusCode).toBe(202);
    expect((await submission(detractor("other-survey", "checkout"), formKey, address(5))).statusCode).toBe(202);
    await drain(pipeline);
    const stored = (await pipeline.storedResponses()).map((item) => item.id?.S);
    expect(stored).toEqual(expect.arrayContaining(["flood-1", "flood-2", "other-survey"]));
    expect(stored).not.toContain("flood-3");

    later(3600);
    expect((await submission(detractor("flood-3"), formKey, address(6))).statusCode).toBe(202);
    await drain(pipeline);
  });

  it("refuses batch items over the customer limit one by one", async () => {
    const item = (n: number) => ({ id: `batch-flood-${n}`, type: "ces", score: 1, customer: { id: "c-batch" } });
    const answer = await pipeline.intake(
      fromAddress(
        httpEvent("POST /v1/responses/batch", {
          body: JSON.stringify({ responses: [item(1), item(2), item(3)] }),
          headers: formKey,
        }),
        "192.0.2.250",
      ),
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(answer.body.results.filter((result: { status: string }) => result.status === "rejected")[0].error.code).toBe(
      "rate_limited",
    );
    await drain(pipeline);
  });
});
