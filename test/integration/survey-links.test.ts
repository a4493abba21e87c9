import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueSurveyLink, surveyLinkKey } from "../../lambdas/core/survey-links";
import { drain, httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * Survey links through the real intake and enrichment against dynalite: a link answers one survey once, as one
 * response; the one-click score is stored at once and the comment then updates that same response; used,
 * expired and forged links get a page saying so, with a 4xx, and never a second response.
 */
const SECRET = "survey-links-identity-secret-0123456789abcdef";
const THROTTLED = "relationship";
let pipeline: Pipeline;

beforeAll(async () => {
  Object.assign(process.env, {
    IDENTITY_SECRET: SECRET,
    SURVEYS: JSON.stringify({ [THROTTLED]: { throttleDays: 90 } }),
  });
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline.stop();
  for (const name of ["IDENTITY_SECRET", "SURVEYS"]) delete process.env[name];
});

const createLink = (body: object, key: string = KEYS.admin) =>
  pipeline.intake(
    httpEvent("POST /v1/survey-links", { body: JSON.stringify(body), headers: { authorization: `Bearer ${key}` } }),
  );
const tokenOf = (url: string) => new URL(url).pathname.split("/").at(-1) as string;
const open = (token: string, score?: number) =>
  pipeline.intake(
    httpEvent("GET /s/{token}", {
      pathParameters: { token },
      ...(score === undefined ? {} : { query: { score: String(score) } }),
    }),
  );
const post = (token: string, form: Record<string, string>) =>
  pipeline.intake(
    httpEvent("POST /s/{token}", {
      pathParameters: { token },
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    }),
  );
const stored = async (id: string) =>
  (await pipeline.storedResponses())
    .filter((item) => item.id?.S === id)
    .map((item) => ({
      score: Number(item.score?.N),
      comment: item.comment?.S ?? null,
      channel: item.channel?.S,
      customer: item.customer?.M?.id?.S,
      themes: item.themes?.L?.map((theme) => theme.S),
      revision: item.revision ? Number(item.revision.N) : undefined,
      submittedAt: item.submittedAt?.S,
    }));

const npsLink = (customer: string, extra: object = {}) => ({
  survey: "onboarding",
  type: "nps",
  customer: { id: customer },
  ...extra,
});

describe("POST /v1/survey-links", () => {
  it("makes a signed, expiring link on the API's address, with the response id it will answer", async () => {
    const answer = await createLink(npsLink("c-link-1", { expiresInDays: 14 }));
    expect(answer.statusCode).toBe(201);
    expect(answer.body.url).toMatch(/^https:\/\/localhost\/s\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(answer.body.token).toBe(tokenOf(answer.body.url));
    expect(answer.body.responseId).toMatch(/^link-/);
    const days = (Date.parse(answer.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
  });

  it("names the field of a link that could never be answered, and needs the agent scope", async () => {
    const wrongScale = await createLink(npsLink("c-link-2", { scale: { min: 1, max: 5 } }));
    expect(wrongScale.statusCode).toBe(422);
    expect(wrongScale.body.error.details[0].path).toBe("scale");
    const noCustomer = await createLink({ survey: "onboarding", type: "nps" });
    expect(noCustomer.statusCode).toBe(422);
    expect(noCustomer.body.error.details[0].path).toBe("customer");
    expect((await createLink(npsLink("c-link-2"), KEYS.read)).statusCode).toBe(403);
    expect((await createLink(npsLink("c-link-2"), KEYS.submit)).statusCode).toBe(403);
  });

  it("refuses a customer inside the survey's throttle window with 429", async () => {
    const first = await createLink(npsLink("c-throttled", { survey: THROTTLED }));
    await post(first.body.token, { score: "9" });
    await drain(pipeline);
    const again = await createLink(npsLink("c-throttled", { survey: THROTTLED }));
    expect(again.statusCode).toBe(429);
    expect(again.body.error).toMatchObject({ code: "survey_throttled", details: [{ path: "customer.id" }] });
  });
});

describe("GET /s/{token}", () => {
  it("asks the question as a page of score buttons, in the link's language, under a strict policy", async () => {
    const { body } = await createLink(npsLink("c-page", { locale: "de-AT" }));
    const page = await open(body.token);
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.body).toContain('<html lang="de">');
    expect(page.body).toContain("Wie wahrscheinlich ist es");
    expect(page.body.match(/name="score" value="\d+"/g)).toHaveLength(11);
  });

  it("records a one-click score at once, then the comment updates the same response", async () => {
    const { body } = await createLink(npsLink("c-one-click", { touchpoint: "welcome email" }));
    const scored = await open(body.token, 3);
    expect(scored.statusCode).toBe(200);
    expect(scored.body).toContain('<textarea id="comment" name="comment"');
    await drain(pipeline);
    const [first] = await stored(body.responseId);
    expect(first).toMatchObject({ score: 3, comment: null, channel: "email", customer: "c-one-click" });

    const thanks = await post(body.token, { comment: "The courier left my parcel in the rain." });
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain("Thank you for your feedback!");
    await drain(pipeline);
    const versions = await stored(body.responseId);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      score: 3,
      comment: "The courier left my parcel in the rain.",
      themes: ["delivery"],
      revision: 1,
      submittedAt: first?.submittedAt,
    });

    // The score-only message redelivered late (SQS does not keep order) changes nothing.
    await pipeline.sendRaw(
      JSON.stringify({
        id: body.responseId,
        type: "nps",
        score: 3,
        scale: { min: 0, max: 10 },
        channel: "email",
        customer: { id: "c-one-click" },
        submittedAt: first?.submittedAt,
        receivedAt: first?.submittedAt,
      }),
    );
    await drain(pipeline);
    expect(await stored(body.responseId)).toEqual(versions);
  });

  it("answers a used link with 409 and a page saying so, and never stores a second answer", async () => {
    const { body } = await createLink(npsLink("c-reuse"));
    expect((await open(body.token, 9)).statusCode).toBe(200);
    expect((await open(body.token, 9)).statusCode).toBe(200);
    const otherScore = await open(body.token, 2);
    expect(otherScore.statusCode).toBe(409);
    expect(otherScore.body).toContain("This survey link has already been used");
    expect((await post(body.token, { comment: "Lovely onboarding" })).statusCode).toBe(200);
    expect((await post(body.token, { comment: "Lovely onboarding" })).statusCode).toBe(200);
    expect((await post(body.token, { comment: "Something else entirely" })).statusCode).toBe(409);
    expect((await open(body.token)).statusCode).toBe(409);
    expect((await open(body.token, 9)).statusCode).toBe(409);
    await drain(pipeline);
    expect(await stored(body.responseId)).toEqual([
      expect.objectContaining({ score: 9, comment: "Lovely onboarding" }),
    ]);
  });

  it("takes score and comment together from the page's form", async () => {
    const { body } = await createLink(npsLink("c-form", { type: "csat" }));
    const noScore = await post(body.token, { comment: "forgot to pick" });
    expect(noScore.statusCode).toBe(422);
    expect(noScore.body).toContain("choose a score");
    const offScale = await open(body.token, 9);
    expect(offScale.statusCode).toBe(422);
    expect(offScale.body).toContain('role="alert"');
    expect((await post(body.token, { score: "5", comment: "Quick and friendly support" })).statusCode).toBe(200);
    await drain(pipeline);
    expect(await stored(body.responseId)).toEqual([
      expect.objectContaining({ score: 5, comment: "Quick and friendly support" }),
    ]);
  });

  it("refuses forged, foreign and expired links with a page and a 4xx, and stores nothing", async () => {
    const { body } = await createLink(npsLink("c-forged"));
    const [header, payload, signature] = body.token.split(".") as [string, string, string];
    const tampered = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    const forged = await open(tampered, 9);
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain("This survey link is not valid");

    const context = { now: new Date(), newId: () => "foreign-1", pageUrl: (token: string) => token };
    const foreign = await issueSurveyLink(
      { survey: "onboarding", type: "nps", customer: { id: "c-forged" }, expiresInDays: 30 },
      { ...context, key: surveyLinkKey("another stage's identity secret, 32+ chars") },
    );
    expect((await open(foreign.token, 9)).statusCode).toBe(403);

    const expired = await issueSurveyLink(
      { survey: "onboarding", type: "nps", customer: { id: "c-expired" }, locale: "fr", expiresInDays: 1 },
      { ...context, newId: () => "expired-1", now: new Date(Date.now() - 2 * 86_400_000), key: surveyLinkKey(SECRET) },
    );
    const gone = await open(expired.token, 9);
    expect(gone.statusCode).toBe(410);
    expect(gone.body).toContain("Ce lien d’enquête a expiré.");

    const malformed = await open("not-a-token", 9);
    expect(malformed.statusCode).toBe(422);
    expect(malformed.headers["content-type"]).toBe("text/html; charset=utf-8");
    await drain(pipeline);
    for (const id of [body.responseId, foreign.responseId, expired.responseId]) expect(await stored(id)).toEqual([]);
  });
});
