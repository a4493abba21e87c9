import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

let pipeline: Pipeline;
let casesApi: Awaited<ReturnType<Pipeline["api"]>>;
beforeAll(async () => {
  pipeline = await startPipeline();
  casesApi = await pipeline.api("cases-api");
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
});

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const auth = { authorization: `Bearer ${KEYS.read}` };
const list = async (routeKey: string, query: Record<string, string>) => {
  const event = httpEvent(routeKey, { headers: auth, query });
  const answer = routeKey.includes("cases") ? await casesApi(event) : await pipeline.read(event);
  return { status: answer.statusCode, body: answer.body };
};

/** Cursors a client could forge or garble: each must be a 422 naming `query.cursor`, never a 500 from DynamoDB. */
const forged = {
  "GET /v1/responses": [
    "not base64 at all",
    encode([1, 2]),
    encode({ month: "2026-11", key: { pk: 1 } }),
    encode({ month: "2026-11", key: { pk: "RESPONSE#x", sk: "RESPONSE", gsi1pk: "RESPONSES#1999-01", gsi1sk: "x" } }),
    encode({ month: "1999-01" }),
    encode({ month: "2026-11", extra: true }),
  ],
  "GET /v1/cases": [
    encode({ state: "ACTIVE", key: { pk: 1 } }),
    encode({ state: "ACTIVE", key: { pk: "CASE#x", sk: "CASE", gsi1pk: "CASES#CLOSED", gsi1sk: "2026" } }),
    encode({ state: "SOMETHING" }),
    encode({ state: "CLOSED", key: "x" }),
  ],
};

describe("list cursors", () => {
  for (const [routeKey, cursors] of Object.entries(forged))
    it(`${routeKey} refuses forged or garbled cursors with 422 naming query.cursor`, async () => {
      for (const cursor of cursors) {
        const query: Record<string, string> =
          routeKey === "GET /v1/responses" ? { cursor, from: "2026-10-01", to: "2026-11-30" } : { cursor };
        const answer = await list(routeKey, query);
        expect(answer.status, cursor).toBe(422);
        expect(answer.body.error.details[0].path).toBe("query.cursor");
      }
    });

  it("bounds the window a list may walk", async () => {
    const answer = await list("GET /v1/responses", { from: "0001-01-01", to: "9999-12-31" });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details[0]).toMatchObject({ path: "query.from" });
    const ancient = await list("GET /v1/responses", { from: "0000-01-01" });
    expect(ancient.status).toBe(422);
  });
});
