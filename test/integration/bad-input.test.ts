import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN, httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline.stop();
});

const inAnHour = new Date(Date.now() + 3600_000).toISOString();
const tooManyAttributes = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, i]));

/** [what, raw body, expected status, field the error must name] */
const malformed: [string, string, number, string][] = [
  ["not JSON", "{type: nps", 400, "body"],
  ["an empty body", "", 400, "body"],
  ["a JSON array", "[]", 422, "body"],
  ["JSON null", "null", 422, "body"],
  ["an unknown top-level field", JSON.stringify({ type: "nps", score: 9, isAdmin: true }), 422, "isAdmin"],
  [
    "an unknown customer field",
    JSON.stringify({ type: "nps", score: 9, customer: { id: "c", role: "x" } }),
    422,
    "customer.role",
  ],
  ["no type", JSON.stringify({ score: 9 }), 422, "type"],
  ["an unknown type", JSON.stringify({ type: "stars", score: 9 }), 422, "type"],
  ["NPS without a score", JSON.stringify({ type: "nps" }), 422, "score"],
  ["NPS 11", JSON.stringify({ type: "nps", score: 11 }), 422, "score"],
  ["NPS -1", JSON.stringify({ type: "nps", score: -1 }), 422, "score"],
  ["a fractional score", JSON.stringify({ type: "nps", score: 7.5 }), 422, "score"],
  ["a score as a string", JSON.stringify({ type: "nps", score: "9" }), 422, "score"],
  ["NPS on another scale", JSON.stringify({ type: "nps", score: 4, scale: { min: 1, max: 5 } }), 422, "scale"],
  ["CSAT 6 on the default 1-5", JSON.stringify({ type: "csat", score: 6 }), 422, "score"],
  ["CSAT 0 on the default 1-5", JSON.stringify({ type: "csat", score: 0 }), 422, "score"],
  ["CES on 1-10", JSON.stringify({ type: "ces", score: 4, scale: { min: 1, max: 10 } }), 422, "scale"],
  ["a scale up to 11", JSON.stringify({ type: "csat", score: 4, scale: { min: 1, max: 11 } }), 422, "scale.max"],
  ["CES on 0-7", JSON.stringify({ type: "ces", score: 4, scale: { min: 0, max: 7 } }), 422, "scale"],
  ["CES 6 on 1-5", JSON.stringify({ type: "ces", score: 6, scale: { min: 1, max: 5 } }), 422, "score"],
  ["a comment without text", JSON.stringify({ type: "comment" }), 422, "comment"],
  ["a blank comment", JSON.stringify({ type: "comment", comment: "   " }), 422, "comment"],
  ["a comment with a score", JSON.stringify({ type: "comment", comment: "hi", score: 3 }), 422, "score"],
  ["a review without text", JSON.stringify({ type: "review", score: 4 }), 422, "comment"],
  ["a comment over 5000 chars", JSON.stringify({ type: "comment", comment: "x".repeat(5001) }), 422, "comment"],
  ["an id with spaces", JSON.stringify({ id: "has space", type: "nps", score: 9 }), 422, "id"],
  ["an id over 128 chars", JSON.stringify({ id: "a".repeat(129), type: "nps", score: 9 }), 422, "id"],
  ["an unknown channel", JSON.stringify({ type: "nps", score: 9, channel: "fax" }), 422, "channel"],
  [
    "a bad customer email",
    JSON.stringify({ type: "nps", score: 9, customer: { id: "c", email: "nope" } }),
    422,
    "customer.email",
  ],
  [
    "a customer without id",
    JSON.stringify({ type: "nps", score: 9, customer: { email: "a@b.co" } }),
    422,
    "customer.id",
  ],
  [
    "a date that is not ISO 8601",
    JSON.stringify({ type: "nps", score: 9, submittedAt: "yesterday" }),
    422,
    "submittedAt",
  ],
  ["a date an hour ahead", JSON.stringify({ type: "nps", score: 9, submittedAt: inAnHour }), 422, "submittedAt"],
  ["51 attributes", JSON.stringify({ type: "nps", score: 9, attributes: tooManyAttributes }), 422, "attributes"],
  ["a nested attribute", JSON.stringify({ type: "nps", score: 9, attributes: { a: { b: 1 } } }), 422, "attributes.a"],
  ["a bad locale", JSON.stringify({ type: "nps", score: 9, locale: "english please" }), 422, "locale"],
  // What the stores downstream would refuse is refused here, so nothing accepted is lost later.
  [
    "a customer id with a slash",
    JSON.stringify({ type: "nps", score: 9, customer: { id: "a/b" } }),
    422,
    "customer.id",
  ],
  [
    "an attribute named constructor",
    '{"type":"nps","score":9,"attributes":{"constructor":"x"}}',
    422,
    "attributes.constructor",
  ],
  [
    "an attribute named __proto__",
    '{"type":"nps","score":9,"attributes":{"__proto__":"x"}}',
    422,
    "attributes.__proto__",
  ],
  [
    "an attribute above 2^53",
    JSON.stringify({ type: "nps", score: 9, attributes: { n: 2 ** 53 + 2 } }),
    422,
    "attributes.n",
  ],
  [
    "an attribute below 1e-130",
    JSON.stringify({ type: "nps", score: 9, attributes: { n: 1e-131 } }),
    422,
    "attributes.n",
  ],
  [
    "a time an offset moves before year 1",
    JSON.stringify({ type: "nps", score: 9, submittedAt: "0000-01-01T00:00:00+00:01" }),
    422,
    "submittedAt",
  ],
  ["a lone surrogate in a comment", '{"type":"comment","comment":"ok \\ud800 then"}', 422, "comment"],
  ["a control character in a survey", '{"type":"nps","score":9,"survey":"a\\u0001b"}', 422, "survey"],
  [
    "a body over 32 KB",
    JSON.stringify({ type: "comment", comment: "x", attributes: { pad: "y".repeat(33_000) } }),
    413,
    "body",
  ],
];

describe("malformed submissions", () => {
  const cases = malformed.map(([what, body, status, field]) => ({ what, body, status, field }));
  it.each(cases)("$what gets $status naming $field; nothing is queued or stored", async ({ body, status, field }) => {
    const answer = await pipeline.submit(body);
    expect(answer.statusCode).toBe(status);
    expect(answer.headers["content-type"]).toBe("application/json");
    expect(answer.body.error.code).toMatch(/^(invalid_json|validation_failed|payload_too_large)$/);
    expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
    expect(await pipeline.queueDepth()).toBe(0);
    expect(await pipeline.storedResponses()).toHaveLength(0);
  });

  it("rejects an Idempotency-Key that is not a valid id, or that contradicts the body id", async () => {
    const badKey = await pipeline.submit({ type: "nps", score: 9 }, { "idempotency-key": "white space" });
    expect(badKey.statusCode).toBe(422);
    expect(badKey.body.error.details[0].path).toBe("headers.idempotency-key");
    const conflict = await pipeline.submit({ id: "a", type: "nps", score: 9 }, { "idempotency-key": "b" });
    expect(conflict.statusCode).toBe(422);
    expect(conflict.body.error.details[0].path).toBe("id");
    expect(await pipeline.queueDepth()).toBe(0);
  });

  it("reads a base64-encoded body as API Gateway sends binary-safe payloads", async () => {
    const event = httpEvent("POST /v1/responses", {
      body: Buffer.from(JSON.stringify({ id: "b64", type: "nps", score: 9 })).toString("base64"),
      headers: { authorization: `Bearer ${KEYS.submit}`, origin: ALLOWED_ORIGIN },
    });
    const answer = await pipeline.intake({ ...event, isBase64Encoded: true });
    expect(answer.statusCode).toBe(202);
    expect(answer.body.id).toBe("b64");
    await pipeline.deliver(await pipeline.receive());
  });
});
