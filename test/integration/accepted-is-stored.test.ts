import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * The edge's promise, as a property over hostile and careless bodies: whatever intake answers 202
 * is stored and readable afterwards; whatever it refuses (always a 4xx naming a field) is not stored.
 */
let pipeline: Pipeline;
let customersApi: Awaited<ReturnType<Pipeline["api"]>>;
beforeAll(async () => {
  pipeline = await startPipeline();
  customersApi = await pipeline.api("customers-api");
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
});

/** Text as careless clients and attackers send it: any code point, lone surrogates and controls included. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("<!channel>", "a/b", "x#y", "constructor", "__proto__", "\u0000", "\uD800", "\uFFFE", "Ünïcödé 🎉"),
);
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -(2 ** 60), 1e-131, 5e-324, 1e126, 1e308, 0, -0),
);
const attributeName = fc.oneof(
  fc.constantFrom("plan", "region", "constructor", "__proto__", "prototype", "toString", ""),
  anyText,
);
const attributeValue = fc.oneof(anyText, anyNumber, fc.boolean(), fc.constant(null), fc.constant({ nested: 1 }));
const instant = fc.oneof(
  fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    "0000-01-01T00:00:00+00:01",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59Z",
    "2026-02-30T10:00:00Z",
  ),
);

/** Mostly what a real client sends, now and then something hostile: so both answers are common. */
const mostly = <T, U>(usual: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: usual, weight: 12 }, { arbitrary: hostile, weight: 1 });
const plainText = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.!-]{0,30}$/);
const submission = (index: number) =>
  fc.record(
    {
      id: fc.constant(`edge-${index}`),
      type: fc.constantFrom("nps", "comment"),
      score: mostly(fc.integer({ min: 0, max: 10 }), anyNumber),
      comment: mostly(plainText, anyText),
      survey: mostly(plainText, anyText),
      touchpoint: mostly(plainText, anyText),
      customer: fc.record(
        {
          id: mostly(fc.constantFrom("c-1", "c-2", "ok.id@x"), fc.oneof(fc.constantFrom("a/b", "c#2"), anyText)),
          name: mostly(plainText, anyText),
        },
        { requiredKeys: ["id"] },
      ),
      submittedAt: mostly(
        fc
          .date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date(), noInvalidDate: true })
          .map((d) => d.toISOString()),
        instant,
      ),
      attributes: fc.dictionary(
        mostly(fc.constantFrom("plan", "region"), attributeName),
        mostly(plainText, attributeValue),
        {
          maxKeys: 3,
        },
      ),
      locale: mostly(fc.constantFrom("en", "de-DE"), fc.constant("xx-")),
    },
    { requiredKeys: ["id", "type", "score", "comment"] },
  );

async function drainQueue() {
  for (;;) {
    const records = await pipeline.receive(10);
    if (records.length === 0) return;
    await pipeline.deliver(records);
  }
}

describe("what intake accepts, storage stores", () => {
  it("stores and serves every accepted submission, and stores none it refused", async () => {
    const accepted: string[] = [];
    const refused: string[] = [];
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer().chain(() => submission(index++)),
        async (body) => {
          const answer = await pipeline.submit(body);
          expect(answer.statusCode, JSON.stringify(answer.body)).toBeLessThan(500);
          if (answer.statusCode === 202) accepted.push(body.id);
          else {
            expect(answer.statusCode).toBe(422);
            expect(answer.body.error.details.length).toBeGreaterThan(0);
            refused.push(body.id);
          }
        },
      ),
      { numRuns: 400, seed: 20261201 },
    );
    await drainQueue();
    expect(await pipeline.queueDepth(pipeline.dlqUrl)).toBe(0);
    expect(accepted.length).toBeGreaterThan(20);
    expect(refused.length).toBeGreaterThan(20);
    const read = (id: string) =>
      pipeline.read(
        httpEvent("GET /v1/responses/{id}", {
          headers: { authorization: `Bearer ${KEYS.read}` },
          pathParameters: { id },
        }),
      );
    for (const id of accepted) expect((await read(id)).statusCode, `accepted ${id}`).toBe(200);
    const stored = new Set((await pipeline.storedResponses()).map((item) => item.id?.S));
    for (const id of refused) expect(stored.has(id), `refused ${id}`).toBe(false);
  }, 120_000);

  it("stores every customer profile a batch accepts, and reports the others per item without storing them", async () => {
    let index = 0;
    const profile = fc.record(
      {
        id: fc.oneof(
          fc.constant(null).map(() => `edge-c-${index++}`),
          fc.constantFrom("a/b", "c#d", ""),
        ),
        name: anyText,
        segment: anyText,
        annualValue: anyNumber,
        customerSince: instant,
        attributes: fc.dictionary(attributeName, attributeValue, { maxKeys: 3 }),
      },
      { requiredKeys: ["id"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(profile, { minLength: 1, maxLength: 5 }), async (customers) => {
        const result = await customersApi(
          httpEvent("POST /v1/customers/batch", {
            body: JSON.stringify({ customers }),
            headers: { authorization: `Bearer ${KEYS.admin}` },
          }),
        );
        expect(result.statusCode, JSON.stringify(result.body)).toBe(200);
        const { results } = result.body as { results: { index: number; status: string; id?: string }[] };
        expect(results.map((item) => item.index)).toEqual(customers.map((_, position) => position));
        for (const item of results) {
          const id = customers[item.index]?.id as string;
          if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(id)) {
            expect(item.status).toBe("rejected");
            continue;
          }
          const shown = await customersApi(
            httpEvent("GET /v1/customers/{id}", {
              headers: { authorization: `Bearer ${KEYS.read}` },
              pathParameters: { id },
            }),
          );
          expect(shown.statusCode, `${item.status} ${id}: ${JSON.stringify(shown.body)}`).toBe(
            item.status === "rejected" ? 404 : 200,
          );
        }
      }),
      { numRuns: 150, seed: 20261202 },
    );
  }, 120_000);
});
