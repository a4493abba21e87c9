import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpAnswer, httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * The webhook management routes through the real handler against dynalite: what an admin can do,
 * what the secret looks like and when it is shown, and how bad input is refused.
 */
let pipeline: Pipeline;
let api: (event: APIGatewayProxyEventV2) => Promise<HttpAnswer>;

beforeAll(async () => {
  pipeline = await startPipeline();
  api = await pipeline.api("webhooks-api");
});
afterAll(() => pipeline.stop());

const call = (
  routeKey: string,
  options: { body?: unknown; id?: string; key?: string; query?: Record<string, string> } = {},
) =>
  api(
    httpEvent(routeKey, {
      headers: { authorization: `Bearer ${options.key ?? KEYS.admin}` },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.id ? { pathParameters: { id: options.id } } : {}),
      ...(options.query ? { query: options.query } : {}),
    }),
  );
const create = (body: unknown) => call("POST /v1/webhooks", { body });
const valid = {
  url: "https://hooks.example.com/cxloop",
  events: ["Response Recorded", "Case Opened"],
  filter: { detail: { category: ["detractor"] } },
  description: "CRM sync",
};

describe("webhook endpoints", () => {
  it("creates one with a whsec_ secret that is shown once, lists, gets, rotates and deletes it", async () => {
    const created = await create(valid);
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({ ...valid, status: "enabled", lastSuccessAt: null });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const { id, secret } = created.body;

    const listed = await call("GET /v1/webhooks");
    expect(listed.statusCode).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(id);
    const one = await call("GET /v1/webhooks/{id}", { id });
    expect(one.body).toMatchObject({ id, url: valid.url, filter: valid.filter });
    expect(JSON.stringify([listed.body, one.body])).not.toContain(secret.slice(6));

    const rotated = await call("POST /v1/webhooks/{id}/rotate-secret", { id });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(JSON.stringify((await call("GET /v1/webhooks/{id}", { id })).body)).not.toContain(
      rotated.body.secret.slice(6),
    );

    const log = await call("GET /v1/webhooks/{id}/deliveries", { id });
    expect(log.body).toEqual({ items: [], nextCursor: null });

    expect((await call("DELETE /v1/webhooks/{id}", { id })).body).toEqual({ id, status: "deleted" });
    expect((await call("GET /v1/webhooks/{id}", { id })).statusCode).toBe(404);
    expect((await call("DELETE /v1/webhooks/{id}", { id })).statusCode).toBe(404);
  });

  it.each([
    [{ ...valid, url: "ftp://hooks.example.com" }, "url"],
    [{ ...valid, url: "not a url" }, "url"],
    [{ ...valid, url: "http://hooks.example.com/plain" }, "url"],
    [{ ...valid, url: "https://127.0.0.1/x" }, "url"],
    [{ ...valid, url: "https://169.254.169.254/latest/meta-data" }, "url"],
    [{ ...valid, url: "https://[::1]:8443/" }, "url"],
    [{ ...valid, url: "https://localhost/" }, "url"],
    [{ ...valid, events: [] }, "events"],
    [{ ...valid, events: ["Response Deleted"] }, "events.0"],
    [{ ...valid, events: ["Case Opened", "Case Opened"] }, "events"],
    [{ ...valid, filter: { detail: { category: "detractor" } } }, "filter"],
    [{ ...valid, filter: { detail: { score: [{ numeric: [">", "x"] }] } } }, "filter"],
    [{ ...valid, filter: [] }, "filter"],
    [{ ...valid, secret: "mine" }, "secret"],
  ])("refuses %j with a 422 naming %s", async (body, field) => {
    const answer = await create(body);
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
  });

  it("is for admins only", async () => {
    for (const key of [KEYS.read, KEYS.submit]) {
      expect((await create({ ...valid })).statusCode).toBe(201);
      const refused = await call("POST /v1/webhooks", { body: valid, key });
      expect(refused.statusCode).toBe(403);
      expect((await call("GET /v1/webhooks", { key })).statusCode).toBe(403);
    }
    expect((await api(httpEvent("GET /v1/webhooks"))).statusCode).toBe(401);
  });

  it("answers a bad id or cursor with a 422 naming it", async () => {
    const badId = await call("GET /v1/webhooks/{id}", { id: "nope" });
    expect(badId.statusCode).toBe(422);
    expect(badId.body.error.details[0].path).toBe("path.id");
    const { id } = (await create(valid)).body;
    const badCursor = await call("GET /v1/webhooks/{id}/deliveries", { id, query: { cursor: "garbage" } });
    expect(badCursor.statusCode).toBe(422);
    expect(badCursor.body.error.details[0].path).toBe("query.cursor");
  });
});
