import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerSignature } from "../../lambdas/core/collect";
import { ALLOWED_ORIGIN, drain, httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * Browsers speaking for customers, through the real intake against dynalite: with the stage requiring
 * signed customer ids, a missing or wrong signature is a 403 and nothing is stored; a survey's
 * `throttleDays` keep a customer from being asked again (eligibility false, a submit-key answer 429),
 * while server keys import history regardless.
 */
const SECRET = "integration-identity-secret-0123456789abcdef";
const THROTTLED = "relationship";
/** A day ago, so the throttle window is open whatever day the suite runs on. */
const ANSWERED_AT = new Date(Date.now() - 86_400_000);
const ANSWERED = { submittedAt: ANSWERED_AT.toISOString() };
let pipeline: Pipeline;

beforeAll(async () => {
  Object.assign(process.env, {
    IDENTITY_SECRET: SECRET,
    REQUIRE_SIGNED_CUSTOMERS: "true",
    SURVEYS: JSON.stringify({ [THROTTLED]: { throttleDays: 90 } }),
  });
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline.stop();
  for (const name of ["IDENTITY_SECRET", "REQUIRE_SIGNED_CUSTOMERS", "SURVEYS"]) delete process.env[name];
});

const signed = (id: string) => ({ id, signature: customerSignature(SECRET, id) });
const nps = (id: string, customer?: object, survey = "post-purchase", extra: object = {}) => ({
  id,
  type: "nps",
  score: 9,
  survey,
  ...(customer ? { customer } : {}),
  ...extra,
});
const storedIds = async () => (await pipeline.storedResponses()).map((item) => item.id?.S);
const eligibility = (query: Record<string, string>, key: string = KEYS.submit) =>
  pipeline.intake(
    httpEvent("GET /v1/survey-eligibility", {
      headers: { authorization: `Bearer ${key}`, origin: ALLOWED_ORIGIN },
      query,
    }),
  );
const asServer = (body: object) =>
  pipeline.intake(
    httpEvent("POST /v1/responses", { body: JSON.stringify(body), headers: { authorization: `Bearer ${KEYS.admin}` } }),
  );

describe("signed customer ids", () => {
  it("stores a signed customer's response, without the signature", async () => {
    expect((await pipeline.submit(nps("sig-ok", signed("c-signed")))).statusCode).toBe(202);
    await drain(pipeline);
    const [item] = (await pipeline.storedResponses()).filter((stored) => stored.id?.S === "sig-ok");
    expect(JSON.stringify(item)).not.toContain("signature");
  });

  it("refuses a wrong or missing signature with 403 naming the field, and stores nothing", async () => {
    const wrong = await pipeline.submit(
      nps("sig-wrong", { id: "c-victim", signature: customerSignature("guess", "c-victim") }),
    );
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body.error).toMatchObject({ code: "forbidden", details: [{ path: "customer.signature" }] });
    const borrowed = await pipeline.submit(
      nps("sig-borrowed", { id: "c-victim", signature: signed("c-signed").signature }),
    );
    expect(borrowed.statusCode).toBe(403);
    const missing = await pipeline.submit(nps("sig-missing", { id: "c-victim" }));
    expect(missing.statusCode).toBe(403);
    expect(missing.body.error.message).toBe("this stage accepts only signed customer ids from web pages");
    await drain(pipeline);
    for (const id of ["sig-wrong", "sig-borrowed", "sig-missing"]) expect(await storedIds()).not.toContain(id);
  });

  it("lets an anonymous response and a server key's unsigned customer id through", async () => {
    expect((await pipeline.submit(nps("sig-anonymous"))).statusCode).toBe(202);
    expect((await asServer(nps("sig-server", { id: "c-imported" }))).statusCode).toBe(202);
  });

  it("refuses a batch's unsigned items one by one and takes the rest", async () => {
    const answer = await pipeline.submitBatch({
      responses: [nps("sig-b-1", signed("c-b")), nps("sig-b-2", { id: "c-b" }), nps("sig-b-3")],
    });
    expect(answer.body.results.map((result: { status: string }) => result.status)).toEqual([
      "accepted",
      "rejected",
      "accepted",
    ]);
    expect(answer.body.results[1].error).toMatchObject({
      code: "forbidden",
      details: [{ path: "responses.1.customer.signature" }],
    });
  });
});

describe("throttled surveys", () => {
  it("tells the widget to stay hidden after an answer, until the window ends", async () => {
    const customer = signed("c-throttled");
    const before = await eligibility({ survey: THROTTLED, customerId: customer.id, signature: customer.signature });
    expect(before.body).toEqual({ eligible: true, nextEligibleAt: null });
    expect((await pipeline.submit(nps("thr-1", customer, THROTTLED, ANSWERED))).statusCode).toBe(202);
    const after = await eligibility({ survey: THROTTLED, customerId: customer.id, signature: customer.signature });
    expect(after.body).toEqual({
      eligible: false,
      nextEligibleAt: new Date(ANSWERED_AT.getTime() + 90 * 86_400_000).toISOString(),
    });
    expect(
      (await eligibility({ survey: "post-purchase", customerId: customer.id, signature: customer.signature })).body,
    ).toEqual({
      eligible: true,
      nextEligibleAt: null,
    });
  });

  it("answers a second browser response inside the window 429 survey_throttled, storing nothing; a retry of the first still passes", async () => {
    const customer = signed("c-throttled");
    const again = await pipeline.submit(nps("thr-2", customer, THROTTLED));
    expect(again.statusCode).toBe(429);
    expect(again.body.error.code).toBe("survey_throttled");
    expect(Number(again.headers["retry-after"])).toBeGreaterThan(80 * 86_400);
    const retry = await pipeline.submit(nps("thr-1", customer, THROTTLED, ANSWERED));
    expect(retry.statusCode).toBe(202);
    await drain(pipeline);
    expect(await storedIds()).toContain("thr-1");
    expect(await storedIds()).not.toContain("thr-2");
  });

  it("lets a server key import history for a throttled customer, and an old answer does not throttle", async () => {
    expect((await asServer(nps("thr-import", { id: "c-throttled" }, THROTTLED))).statusCode).toBe(202);
    const old = { submittedAt: new Date(Date.now() - 200 * 86_400_000).toISOString() };
    expect((await asServer(nps("thr-old", { id: "c-old" }, THROTTLED, old))).statusCode).toBe(202);
    const oldCustomer = signed("c-old");
    expect(
      (await eligibility({ survey: THROTTLED, customerId: oldCustomer.id, signature: oldCustomer.signature })).body
        .eligible,
    ).toBe(true);
  });

  it("needs the customer's signature to tell eligibility when the stage requires signed ids", async () => {
    const refused = await eligibility({ survey: THROTTLED, customerId: "c-throttled" });
    expect(refused.statusCode).toBe(403);
    expect(refused.body.error.details[0].path).toBe("query.signature");
    expect((await eligibility({ survey: THROTTLED, customerId: "c-throttled" }, KEYS.admin)).statusCode).toBe(200);
  });
});
