import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { delightedSignature } from "../../lambdas/core/inbound-hooks";
import { drain, httpEvent, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * Delighted's and Formbricks' webhooks through the real hooks handler and enrichment against dynalite: a valid
 * event is stored under the peer's id, an update replaces it (one response, with the comment), a redelivered or
 * late event changes nothing, and a forged or unsigned one is a 401 with nothing stored.
 */
const DELIGHTED_KEY = "delighted-api-key-for-tests";
const FORMBRICKS_SECRET = `whsec_${Buffer.from("formbricks-webhook-secret-for-tests").toString("base64")}`;
let pipeline: Pipeline;
let hooks: Awaited<ReturnType<Pipeline["api"]>>;

beforeAll(async () => {
  Object.assign(process.env, {
    INBOUND_HOOK_SECRETS: JSON.stringify({
      delightedApiKey: DELIGHTED_KEY,
      formbricksWebhookSecret: FORMBRICKS_SECRET,
    }),
    FORMBRICKS_SURVEYS: JSON.stringify({
      "srv-onboarding": { survey: "onboarding", questions: { "q-nps": "nps", "q-why": "comment" } },
    }),
  });
  pipeline = await startPipeline();
  hooks = await pipeline.api("hooks");
});
afterAll(async () => {
  await pipeline.stop();
  for (const name of ["INBOUND_HOOK_SECRETS", "FORMBRICKS_SURVEYS"]) delete process.env[name];
});

const stored = async (id: string) =>
  (await pipeline.storedResponses())
    .filter((item) => item.id?.S === id)
    .map((item) => ({
      score: Number(item.score?.N),
      comment: item.comment?.S ?? null,
      survey: item.survey?.S,
      customer: item.customer?.M?.id?.S,
      submittedAt: item.submittedAt?.S,
    }));

const delighted = (body: string, signature: string | null = delightedSignature(DELIGHTED_KEY, body)) =>
  hooks(
    httpEvent("POST /v1/hooks/delighted", {
      body,
      headers: signature === null ? {} : { "x-delighted-webhook-signature": signature },
    }),
  );
const CREATED_AT = 1_764_590_400; // 2025-12-01T12:00:00Z
const surveyResponse = (extra: object = {}) => ({
  id: "9001",
  person: { id: "p-77", email: "ana@example.com", name: "Ana" },
  survey_type: "nps",
  score: 4,
  comment: null,
  created_at: CREATED_AT,
  updated_at: CREATED_AT,
  person_properties: { "Delighted Source": "Email" },
  ...extra,
});
const delightedEvent = (type: "created" | "updated", response: object) =>
  JSON.stringify({ event_type: `survey_response.${type}`, event_id: `evt-${type}`, event_data: response });

describe("POST /v1/hooks/delighted", () => {
  it("stores a created response under delighted-<id>, and the update's comment on the same response", async () => {
    const created = await delighted(delightedEvent("created", surveyResponse()));
    expect(created.statusCode).toBe(200);
    expect(created.body).toEqual({ queued: ["delighted-9001"], ignored: null });
    await drain(pipeline);
    const update = delightedEvent(
      "updated",
      surveyResponse({ comment: "The courier never rang the bell.", updated_at: CREATED_AT + 90 }),
    );
    expect((await delighted(update)).statusCode).toBe(200);
    await drain(pipeline);
    // Delighted retries: the update again, then the create late, change nothing.
    await delighted(update);
    await delighted(delightedEvent("created", surveyResponse()));
    await drain(pipeline);
    expect(await stored("delighted-9001")).toEqual([
      {
        score: 4,
        comment: "The courier never rang the bell.",
        survey: "delighted-nps",
        customer: "p-77",
        submittedAt: "2025-12-01T12:00:00.000Z",
      },
    ]);
  });

  it("refuses a forged, missing or other key's signature with 401, and stores nothing", async () => {
    const body = delightedEvent("created", surveyResponse({ id: "9002" }));
    const forged = await delighted(body, `sha256=${"0".repeat(64)}`);
    expect(forged.statusCode).toBe(401);
    expect(forged.body.error.details[0].path).toBe("headers.x-delighted-webhook-signature");
    expect((await delighted(body, null)).statusCode).toBe(401);
    expect((await delighted(body, delightedSignature("someone else's key", body))).statusCode).toBe(401);
    const tampered = body.replace('"score":4', '"score":10');
    expect((await delighted(tampered, delightedSignature(DELIGHTED_KEY, body))).statusCode).toBe(401);
    await drain(pipeline);
    expect(await stored("delighted-9002")).toEqual([]);
  });

  it("names the field of a signed event it cannot store, with 422", async () => {
    const answer = await delighted(delightedEvent("created", surveyResponse({ id: "9003", score: 14 })));
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details[0].path).toBe("event_data.score");
  });
});

const formbricks = (payload: object, secret = FORMBRICKS_SECRET, messageId = "msg-1") => {
  const body = JSON.stringify(payload);
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(messageId, timestamp, body);
  return hooks(
    httpEvent("POST /v1/hooks/formbricks", {
      body,
      headers: {
        "webhook-id": messageId,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signature,
      },
    }),
  );
};
const formbricksResponse = (data: object, updatedAt: string, surveyId = "srv-onboarding") => ({
  id: "resp-42",
  createdAt: "2025-12-01T09:30:00.000Z",
  updatedAt,
  surveyId,
  finished: "q-why" in data,
  data,
  meta: { source: "email" },
  contactAttributes: { userId: "c-fb-1", email: "bo@example.com" },
});

describe("POST /v1/hooks/formbricks", () => {
  it("stores the mapped answer, then the finished response's comment on it, once", async () => {
    const first = await formbricks({
      webhookId: "wh-1",
      event: "responseCreated",
      data: formbricksResponse({ "q-nps": 9 }, "2025-12-01T09:30:00.000Z"),
    });
    expect(first.statusCode).toBe(200);
    expect(first.body).toEqual({ queued: ["formbricks-resp-42"], ignored: null });
    const finished = {
      webhookId: "wh-1",
      event: "responseFinished",
      data: formbricksResponse({ "q-nps": 9, "q-why": "Setup was a breeze" }, "2025-12-01T09:30:04.250Z"),
    };
    expect((await formbricks(finished, FORMBRICKS_SECRET, "msg-2")).statusCode).toBe(200);
    expect((await formbricks(finished, FORMBRICKS_SECRET, "msg-2")).statusCode).toBe(200);
    await drain(pipeline);
    expect(await stored("formbricks-resp-42")).toEqual([
      {
        score: 9,
        comment: "Setup was a breeze",
        survey: "onboarding",
        customer: "c-fb-1",
        submittedAt: "2025-12-01T09:30:00.000Z",
      },
    ]);
  });

  it("acknowledges a survey it has no mapping for, and refuses a wrong secret with 401", async () => {
    const unmapped = await formbricks({
      webhookId: "wh-1",
      event: "responseCreated",
      data: formbricksResponse({ "q-nps": 3 }, "2025-12-01T10:00:00.000Z", "srv-other"),
    });
    expect(unmapped.statusCode).toBe(200);
    expect(unmapped.body.queued).toEqual([]);
    expect(unmapped.body.ignored).toContain("srv-other");
    const wrong = `whsec_${Buffer.from("not the webhook's secret").toString("base64")}`;
    const forged = await formbricks(
      {
        webhookId: "wh-1",
        event: "responseCreated",
        data: { ...formbricksResponse({ "q-nps": 0 }, "x"), id: "resp-43" },
      },
      wrong,
    );
    expect(forged.statusCode).toBe(401);
    await drain(pipeline);
    expect(await stored("formbricks-resp-43")).toEqual([]);
  });
});
