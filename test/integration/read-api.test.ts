import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoDocumentClient } from "../../lambdas/adapters/clients/dynamodb";
import { ROUTE_HANDLERS } from "../../lambdas/contracts/routes";
import { httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

let pipeline: Pipeline;
const auth = { authorization: `Bearer ${KEYS.read}` };

const seed = [
  { id: "r-oct-1", type: "nps", score: 10, submittedAt: "2026-10-03T09:00:00Z", customer: { id: "c-1" } },
  { id: "r-oct-2", type: "nps", score: 2, submittedAt: "2026-10-20T09:00:00Z", customer: { id: "c-2" } },
  { id: "r-nov-1", type: "nps", score: 5, submittedAt: "2026-11-02T09:00:00Z", customer: { id: "c-1" } },
  { id: "r-nov-2", type: "csat", score: 5, submittedAt: "2026-11-10T09:00:00Z", customer: { id: "c-1" } },
  { id: "r-nov-3", type: "nps", score: 0, submittedAt: "2026-11-15T09:00:00Z" },
];

beforeAll(async () => {
  pipeline = await startPipeline();
  const answer = await pipeline.submitBatch({ responses: seed });
  expect(answer.body.accepted).toBe(seed.length);
  await pipeline.deliver(await pipeline.receive());
});
afterAll(async () => {
  await pipeline.stop();
});

const list = (query: Record<string, string>) => pipeline.read(httpEvent("GET /v1/responses", { headers: auth, query }));

async function listAll(query: Record<string, string>) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.statusCode).toBe(200);
    ids.push(...page.body.items.map((item: { id: string }) => item.id));
    cursor = page.body.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < 20);
  return { ids, pages };
}

describe("GET /v1/responses", () => {
  it("lists newest first across months, a page at a time, every response once", async () => {
    const { ids, pages } = await listAll({ from: "2026-09-01", to: "2026-11-30", limit: "2" });
    expect(ids).toEqual(["r-nov-3", "r-nov-2", "r-nov-1", "r-oct-2", "r-oct-1"]);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("filters by window, customer and category", async () => {
    expect((await listAll({ from: "2026-10-15", to: "2026-11-05" })).ids).toEqual(["r-nov-1", "r-oct-2"]);
    expect((await listAll({ from: "2026-01-01", to: "2026-12-31", customerId: "c-1", limit: "1" })).ids).toEqual([
      "r-nov-2",
      "r-nov-1",
      "r-oct-1",
    ]);
    expect((await listAll({ from: "2026-01-01", to: "2026-12-31", category: "detractor" })).ids).toEqual([
      "r-nov-3",
      "r-nov-1",
      "r-oct-2",
    ]);
  });

  it.each([
    [{ limit: "0" }, "query.limit"],
    [{ limit: "101" }, "query.limit"],
    [{ category: "angry" }, "query.category"],
    [{ from: "last week" }, "query.from"],
    [{ cursor: "!!!" }, "query.cursor"],
    [{ from: "2026-11-02", to: "2026-11-01" }, "query.from"],
    [{ sort: "asc" }, "query.sort"],
  ])("rejects %o naming %s", async (query, field) => {
    const answer = await list(query as Record<string, string>);
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
  });
});

describe("GET /v1/responses/{id}", () => {
  it("returns the enriched record, or 404 with a JSON error", async () => {
    const found = await pipeline.read(
      httpEvent("GET /v1/responses/{id}", { headers: auth, pathParameters: { id: "r-oct-2" } }),
    );
    expect(found.statusCode).toBe(200);
    expect(found.body).toMatchObject({ id: "r-oct-2", category: "detractor", submittedAt: "2026-10-20T09:00:00.000Z" });
    expect(found.body).not.toHaveProperty("pk");
    expect(found.body).not.toHaveProperty("publishedAt");
    const missing = await pipeline.read(
      httpEvent("GET /v1/responses/{id}", { headers: auth, pathParameters: { id: "nope" } }),
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });
});

describe("GET /v1/openapi.json", () => {
  it("serves the OpenAPI document without a key, with the contract's schemas", async () => {
    const answer = await pipeline.read(httpEvent("GET /v1/openapi.json", { headers: { host: "api.example.com" } }));
    expect(answer.statusCode).toBe(200);
    expect(answer.body.openapi).toMatch(/^3\./);
    // Every deployed route is documented, with its method.
    for (const routeKey of Object.keys(ROUTE_HANDLERS)) {
      const [method, path] = routeKey.split(" ") as [string, string];
      expect(answer.body.paths[path]?.[method.toLowerCase()], routeKey).toBeDefined();
    }
    expect(JSON.stringify(answer.body)).not.toContain("__shared");
    expect(answer.body.components.schemas.Metrics.properties.nps.properties.ci95).toBeDefined();
    const submission = answer.body.components.schemas.Submission;
    expect(submission.additionalProperties).toBe(false);
    expect(submission.properties.type.enum).toEqual(["nps", "csat", "ces", "comment", "review", "enps"]);
    // Relative to where it is served: a forged Host header is never echoed.
    expect(answer.body.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    expect(JSON.stringify(answer.body)).not.toContain("api.example.com");
    const operations = Object.values(answer.body.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((methods) => Object.values(methods))
      .map((operation) => operation.operationId);
    expect(new Set(operations).size).toBe(Object.keys(ROUTE_HANDLERS).length);
  });
});

describe("GET /v1/responses with a category that few responses have", () => {
  /** 400 responses in June 2025, every 50th a detractor: 2% match. */
  const june = Array.from({ length: 400 }, (_, n) => ({
    id: `june-${String(n).padStart(3, "0")}`,
    type: "nps",
    score: n % 50 === 0 ? 1 : 9,
    submittedAt: new Date(Date.UTC(2025, 5, 1) + n * 3_600_000).toISOString(),
  }));
  const detractors = june
    .filter((response) => response.score === 1)
    .map((response) => response.id)
    .reverse();

  beforeAll(async () => {
    for (let start = 0; start < june.length; start += 100)
      expect((await pipeline.submitBatch({ responses: june.slice(start, start + 100) })).body.accepted).toBe(100);
    for (let records = await pipeline.receive(); records.length > 0; records = await pipeline.receive())
      await pipeline.deliver(records);
  });

  it("fills its pages in a few reads, not one read per item it skips", async () => {
    let queries = 0;
    const client = dynamoDocumentClient();
    const counter = "count-list-queries";
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "QueryCommand") queries += 1;
        return next(args);
      },
      { step: "initialize", name: counter },
    );
    try {
      const { ids, pages } = await listAll({ from: "2025-06-01", to: "2025-06-30", category: "detractor", limit: "3" });
      expect(ids).toEqual(detractors);
      expect(pages).toBe(3);
      // Each page reads 250 items at a time; reading only as many as the page still lacked took 224.
      expect(queries).toBeLessThanOrEqual(8);
    } finally {
      client.middlewareStack.remove(counter);
    }
  });
});
