import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../lambdas/contracts/auth";
import { errorBodySchema } from "../../lambdas/contracts/errors";
import { type HandlerName, ROUTES, type RouteSpec } from "../../lambdas/contracts/routes";
import { ALLOWED_ORIGIN, httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * Every route, fed what attackers and careless clients send: any key or none, any origin, hostile
 * path parameters, unknown and malformed query strings, bodies that are not JSON, too deep, too
 * big or merely wrong. The API must answer each with a 2xx or a 4xx in the contract's error shape
 * (a page, on the routes that serve people pages), never a 5xx; a caller without the route's scope
 * never gets a 2xx; and nothing refused is stored.
 */
const RUNS = Number(process.env.CXLOOP_FUZZ_RUNS ?? 20_000);

type Api = Awaited<ReturnType<Pipeline["api"]>>;
let pipeline: Pipeline;
const handlers = new Map<HandlerName, Api>();
beforeAll(async () => {
  // Survey links are signed with a key derived from it; without one, making a link is a 503 by design.
  process.env.IDENTITY_SECRET = "fuzz-identity-secret-0123456789abcdefgh";
  pipeline = await startPipeline();
  // Export and webhook work queues of their own: nothing the fuzzer starts may land in the intake queue it drains.
  for (const [name, variable] of [
    ["fuzz-exports", "EXPORT_QUEUE_URL"],
    ["fuzz-webhooks", "WEBHOOK_QUEUE_URL"],
  ] as const)
    process.env[variable] = (await pipeline.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl;
  process.env.EXPORT_UPLOAD_URL = "http://127.0.0.1:9/_local/exports";
  for (const name of new Set(Object.values(ROUTES).map((route) => route.handler)))
    handlers.set(name, await pipeline.api(name));
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
  for (const name of ["IDENTITY_SECRET", "EXPORT_QUEUE_URL", "WEBHOOK_QUEUE_URL", "EXPORT_UPLOAD_URL"])
    delete process.env[name];
});

const keys = { none: undefined, garbage: "not-a-key", submit: KEYS.submit, read: KEYS.read, admin: KEYS.admin };
type Caller = keyof typeof keys;
/** Whether a caller may use a route of `scope` from `origin` (admin grants everything; submit keys only from an allowed origin). */
const grants = (caller: Caller, scope: Scope | "public", origin: string | undefined) =>
  scope === "public" || caller === "admin" || (caller === scope && !(caller === "submit" && origin !== ALLOWED_ORIGIN));

const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(
    "%ZZ",
    "%",
    "a%2Fb",
    "..%2F..",
    "x".repeat(3000),
    "<!channel>",
    "__proto__",
    "constructor",
    "0000-01-01",
    "9999-12-31T23:59:59-01:00",
    "2026-02-30",
    "1e308",
    "-1",
    "NaN",
    "eyJzdGF0ZSI6IkFDVElWRSIsImtleSI6eyJwayI6MX19",
    "eyJtb250aCI6IjIwMjYtMTEiLCJrZXkiOnsicGsiOiJSRVNQT05TRSN4In19",
  ),
);
const deepBomb = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const jsonLike = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
const nearlyValid = fc
  .record(
    {
      type: fc.constantFrom("nps", "csat", "ces", "comment", "review", "stars"),
      score: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.constant(2 ** 60)),
      comment: hostileText,
      customer: fc.record({ id: hostileText }),
      submittedAt: hostileText,
      attributes: fc.dictionary(hostileText, fc.oneof(hostileText, fc.double(), fc.boolean()), { maxKeys: 3 }),
      status: fc.constantFrom("open", "contacted", "resolved", "closed-no-contact", "reopened"),
      note: hostileText,
      owner: hostileText,
      from: hostileText,
      to: hostileText,
      time: hostileText,
      customers: fc.array(fc.record({ id: hostileText, segment: hostileText }), { maxLength: 3 }),
      responses: fc.array(fc.record({ type: fc.constant("nps"), score: fc.integer({ min: 0, max: 10 }) }), {
        maxLength: 3,
      }),
    },
    { requiredKeys: [] },
  )
  .map((value) => JSON.stringify(value));
/** Bodies a route would accept, so the fuzzer also drives the paths past validation. */
const fuzzId = fc.integer({ min: 0, max: 300 }).map((n) => `fuzz-${n}`);
const json = <T>(arbitrary: fc.Arbitrary<T>) => arbitrary.map((value) => JSON.stringify(value));
const validBodies: Partial<Record<string, fc.Arbitrary<string>>> = {
  submitResponse: json(
    fc.record({ id: fuzzId, type: fc.constant("nps"), score: fc.integer({ min: 0, max: 10 }), comment: hostileText }),
  ),
  submitResponses: json(
    fc.record({
      responses: fc.array(fc.record({ id: fuzzId, type: fc.constant("csat"), score: fc.integer({ min: 1, max: 5 }) }), {
        minLength: 1,
        maxLength: 5,
      }),
    }),
  ),
  updateCase: json(fc.record({ status: fc.constantFrom("contacted", "resolved"), note: hostileText })),
  putCustomer: json(fc.record({ segment: hostileText, annualValue: fc.double() })),
  putCustomers: json(
    fc.record({ customers: fc.array(fc.record({ id: fuzzId, segment: hostileText }), { minLength: 1, maxLength: 3 }) }),
  ),
  recordCustomerEvent: fc.constant(
    JSON.stringify({ type: "purchase", time: "2026-11-20T10:00:00Z", amount: 10, currency: "EUR" }),
  ),
  recomputeMetrics: fc.constant(JSON.stringify({ from: "2026-11-01", to: "2026-11-02" })),
  createSurveyLink: json(
    fc.record({
      survey: fc.constant("fuzz"),
      type: fc.constantFrom("nps", "csat"),
      customer: fc.record({ id: fuzzId }),
    }),
  ),
  answerSurveyPage: fc
    .record({ score: fc.constantFrom("0", "5", "10", "11", "x"), comment: hostileText }, { requiredKeys: [] })
    .map((form) => new URLSearchParams(form).toString()),
};
const hostileBody = fc.oneof(
  fc.constant(undefined),
  fc.constant(""),
  hostileText,
  jsonLike,
  nearlyValid,
  fc.integer({ min: 17, max: 50_000 }).map(deepBomb),
  fc
    .integer({ min: 17, max: 20_000 })
    .map((depth) => `{"responses":[${deepBomb(depth)}],"customers":[${deepBomb(depth)}]}`),
  fc.constant(JSON.stringify({ comment: "x".repeat(40_000), type: "comment" })),
);

const routes = Object.entries(ROUTES) as [string, RouteSpec][];
const idOf = (body: string | undefined) => {
  try {
    return (JSON.parse(body ?? "") as { id?: unknown } | null)?.id;
  } catch {
    return undefined;
  }
};
const request = fc.constantFrom(...routes).chain(([operationId, route]) =>
  fc.record({
    route: fc.constant(route),
    caller: fc.constantFrom<Caller>("none", "garbage", "submit", "read", "admin", "admin", "admin"),
    origin: fc.constantFrom(undefined, ALLOWED_ORIGIN, "https://evil.example"),
    id: hostileText,
    query: fc.dictionary(
      fc.oneof(
        fc.constantFrom("from", "to", "limit", "cursor", "customerId", "category", "status", "owner", "overdue"),
        fc.constantFrom("groupBy", "survey", "segment", "include", "priority"),
        hostileText,
      ),
      fc.oneof(hostileText, fc.constantFrom("2026-11-01", "2026-11-30", "10", "day", "segment", "true", "all", "open")),
      { maxKeys: 4 },
    ),
    body: fc.oneof(
      { arbitrary: validBodies[operationId] ?? hostileBody, weight: 2 },
      { arbitrary: hostileBody, weight: 1 },
    ),
    idempotencyKey: fc.option(hostileText, { nil: undefined }),
  }),
);

describe("every route under fuzzing", () => {
  it(`answers ${RUNS} hostile requests with a 2xx or a 4xx in the error shape, never a 5xx, and stores nothing it refused`, async () => {
    const tally = { cases: 0, serverErrors: 0, wrongSuccess: 0, byStatus: {} as Record<number, number> };
    const refusedIds = new Set<string>();
    const acceptedIds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route, caller, origin, id, query, body, idempotencyKey }) => {
        const handler = handlers.get(route.handler) as Api;
        const headers: Record<string, string> = {};
        const key = keys[caller];
        if (key) headers.authorization = `Bearer ${key}`;
        if (origin) headers.origin = origin;
        if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
        const answer = await handler(
          httpEvent(route.key, {
            body,
            headers,
            pathParameters: route.path
              ? Object.fromEntries(Object.keys(route.path.shape).map((name) => [name, id]))
              : undefined,
            query: Object.keys(query).length > 0 ? query : undefined,
          }),
        );
        tally.cases += 1;
        tally.byStatus[answer.statusCode] = (tally.byStatus[answer.statusCode] ?? 0) + 1;
        if (answer.statusCode >= 500) tally.serverErrors += 1;
        expect(answer.statusCode, `${route.key} ${JSON.stringify(answer.body)}`).toBeLessThan(500);
        if (route.key === ROUTES.submitResponse.key) {
          const claimed = [idOf(body), idempotencyKey].filter((value): value is string => typeof value === "string");
          for (const claim of claimed) (answer.statusCode === 202 ? acceptedIds : refusedIds).add(claim);
        }
        if (route.key === ROUTES.submitResponses.key && answer.statusCode === 200)
          for (const result of (answer.body as { results: { id?: string }[] }).results)
            if (result.id) acceptedIds.add(result.id);
        if (answer.statusCode >= 400 && Object.values(route.responses).some((response) => response.html)) {
          // A page route answers people: its refusals are pages too.
          expect(answer.headers["content-type"], `${route.key} ${answer.body}`).toBe("text/html; charset=utf-8");
        } else if (answer.statusCode >= 400) {
          const error = errorBodySchema.safeParse(answer.body);
          expect(error.success, JSON.stringify(answer.body)).toBe(true);
        } else if (!grants(caller, route.scope, origin)) {
          tally.wrongSuccess += 1;
          expect.fail(`${route.key} answered ${answer.statusCode} to a ${caller} caller`);
        }
      }),
      { numRuns: RUNS, seed: 20261203 },
    );

    for (;;) {
      const records = await pipeline.receive(10);
      if (records.length === 0) break;
      await pipeline.deliver(records);
    }
    expect(await pipeline.queueDepth(pipeline.dlqUrl)).toBe(0);
    const stored = (await pipeline.storedResponses()).map((item) => item.id?.S);
    // An id refused once may be accepted by another request of the run; only ids never accepted must be absent.
    const storedRefused = stored.filter(
      (storedId) => storedId !== undefined && refusedIds.has(storedId) && !acceptedIds.has(storedId),
    );
    console.info("fuzz tally", JSON.stringify({ ...tally, refusedIdsChecked: refusedIds.size, storedRefused }));
    expect(storedRefused).toEqual([]);
    expect(tally.serverErrors).toBe(0);
  }, 600_000);
});
