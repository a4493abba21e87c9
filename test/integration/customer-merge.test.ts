import type { ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { openCase } from "../../lambdas/core/cases";
import { duplicateKeys, MERGED_CASE_CHANGE } from "../../lambdas/core/customer-merge";
import { config } from "../support/cases";
import {
  drain,
  httpEvent,
  KEYS,
  lambdaContext,
  metricsAndDrivers,
  type Pipeline,
  startPipeline,
} from "../support/pipeline";

/**
 * One profile per customer, through the real entry points: two profiles whose emails differ only in case are
 * listed as duplicates; merging one into the other moves its responses (submitted through intake and
 * enrichment), cases and events onto the survivor, whose rollups are recomputed; both profiles show the merge;
 * a repeat changes nothing, and the metrics count every answer once, before and after.
 */
const KEEP = "merge-keep-1";
const DUPE = "merge-dupe-2";
const BYSTANDER = "merge-other-3";
const DAYS = ["2026-11-02", "2026-11-03", "2026-11-04"];
const WINDOW = { from: "2026-11-01", to: "2026-11-05" };

let pipeline: Pipeline;
type Api = Awaited<ReturnType<Pipeline["api"]>>;
let customersApi: Api;
let metricsApi: Api;
let rollup: (event: ScheduledEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
const admin = { authorization: `Bearer ${KEYS.admin}` };
const reader = { authorization: `Bearer ${KEYS.read}` };

const call = (
  routeKey: string,
  options: { id?: string; body?: unknown; query?: Record<string, string>; key?: object },
) =>
  customersApi(
    httpEvent(routeKey, {
      headers: { ...(options.key ?? admin) },
      ...(options.id ? { pathParameters: { id: options.id } } : {}),
      ...(options.query ? { query: options.query } : {}),
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
    }),
  );
const merge = (into: string, body: unknown, key?: object) =>
  call("POST /v1/customers/{id}/merge", { id: into, body, key });
const duplicates = (query: Record<string, string> = {}) => call("GET /v1/customers/duplicates", { query, key: reader });
const view = (id: string) => call("GET /v1/customers/{id}", { id, key: reader });
const figures = () => metricsAndDrivers(metricsApi, WINDOW);
const scan = () => pipeline.scanTable();
/** Response ids are the client's keys and stay after an erasure, so they do not name the customer here. */
const responseId = (index: number, customerId: string) =>
  `${{ [KEEP]: "k", [DUPE]: "d", [BYSTANDER]: "o" }[customerId]}-r${index}`;
const submission = (index: number, customerId: string) => ({
  id: responseId(index, customerId),
  type: "nps",
  score: index === 0 ? 2 : 6 + index,
  comment: "Delivery was late again",
  survey: "post-purchase",
  submittedAt: `${DAYS[index % DAYS.length]}T1${index}:00:00Z`,
  customer: { id: customerId },
});

beforeAll(async () => {
  pipeline = await startPipeline();
  customersApi = await pipeline.api("customers-api");
  metricsApi = await pipeline.api("metrics-api");
  rollup = (await import("../../lambdas/handlers/metrics-rollup")).handler as unknown as typeof rollup;

  const profiles: [string, object][] = [
    [
      KEEP,
      {
        email: "Ada.Buyer@Merge.example",
        name: "Ada Buyer",
        segment: "enterprise",
        annualValue: 5000,
        currency: "EUR",
      },
    ],
    [DUPE, { email: "ada.buyer@merge.example", name: "A. Buyer", segment: "enterprise" }],
    [BYSTANDER, { email: "bo@merge.example", name: "Bo", phone: "+44 20 7946 0000" }],
    ["merge-phone-4", { name: "bo", phone: "+44-20-7946-0000" }],
  ];
  for (const [id, body] of profiles) expect((await call("PUT /v1/customers/{id}", { id, body })).statusCode).toBe(201);

  const responses = [0, 1, 2].map((index) => submission(index, DUPE));
  expect(
    (await pipeline.submitBatch({ responses: [...responses, submission(3, KEEP), submission(4, BYSTANDER)] })).body,
  ).toMatchObject({ accepted: 5 });
  await drain(pipeline);

  // The detractor's follow-up case, as the follow-up consumer opens it from the stored response.
  const { caseStore, responseStore } = await import("../../lambdas/handlers/composition-root");
  const stored = (await responseStore().get(responseId(0, DUPE))) as ResponseRecord;
  expect(stored.customer?.id).toBe(DUPE);
  await caseStore().createIfAbsent(openCase(stored, "detractor", config, new Date("2026-11-02T11:00:00Z")));
  const ticket = { id: "ticket-1", type: "support-ticket", time: "2026-11-03T09:00:00Z" };
  expect((await call("POST /v1/customers/{id}/events", { id: DUPE, body: ticket })).statusCode).toBe(201);

  const recomputed = await metricsApi(
    httpEvent("POST /v1/metrics/recompute", { headers: admin, body: JSON.stringify(WINDOW) }),
  );
  expect(recomputed.body.responses).toBe(5);
}, 120_000);
afterAll(async () => {
  await pipeline.stop();
});

describe("GET /v1/customers/duplicates", () => {
  it("lists profiles whose emails differ only in case, and those with one name and phone", async () => {
    const { statusCode, body } = await duplicates();
    expect(statusCode).toBe(200);
    const groups = body.items.map((group: { reason: string; customers: { id: string }[] }) => ({
      reason: group.reason,
      ids: group.customers.map((customer) => customer.id),
    }));
    expect(groups).toHaveLength(2);
    expect(groups).toContainEqual({ reason: "email", ids: [KEEP, DUPE] });
    expect(groups).toContainEqual({ reason: "name+phone", ids: [BYSTANDER, "merge-phone-4"] });
    expect(body.nextCursor).toBeNull();
  });

  it("pages with a cursor, and refuses a cursor or limit it did not give out, naming it", async () => {
    const first = await duplicates({ limit: "1" });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await duplicates({ limit: "1", cursor: first.body.nextCursor });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].reason).not.toBe(first.body.items[0].reason);
    const forged = Buffer.from(JSON.stringify({ pk: "RESPONSE#x", sk: "RESPONSE" })).toString("base64url");
    for (const [query, path] of [
      [{ cursor: forged }, "query.cursor"],
      [{ cursor: "%%%" }, "query.cursor"],
      [{ limit: "0" }, "query.limit"],
      [{ limit: "51" }, "query.limit"],
    ] as const) {
      const refused = await duplicates(query);
      expect(refused.statusCode, JSON.stringify(query)).toBe(422);
      expect(refused.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    }
  });

  it("tells a batch import which profiles an item likely duplicates", async () => {
    const { body } = await call("POST /v1/customers/batch", {
      body: { customers: [{ id: "merge-batch-5", email: "BO@merge.example" }, { id: "merge-batch-6" }] },
    });
    expect(body.results).toEqual([
      { index: 0, id: "merge-batch-5", status: "created", duplicateOf: [BYSTANDER] },
      { index: 1, id: "merge-batch-6", status: "created" },
    ]);
    // Changing the email takes the profile out of the group again.
    await call("PUT /v1/customers/{id}", { id: "merge-batch-5", body: { email: "someone@merge.example" } });
    const groups = (await duplicates()).body.items;
    expect(groups.flatMap((group: { customers: { id: string }[] }) => group.customers.map((c) => c.id))).not.toContain(
      "merge-batch-5",
    );
  });
});

describe("POST /v1/customers/{id}/merge", () => {
  let before: Awaited<ReturnType<typeof figures>>;
  let first: { statusCode: number; body: Record<string, unknown> };

  it("refuses bad requests with a 4xx naming the field, and callers without admin", async () => {
    const refusal = async (into: string, body: unknown, key?: object) => {
      const answer = await merge(into, body, key);
      return { status: answer.statusCode, paths: answer.body.error?.details?.map((d: { path: string }) => d.path) };
    };
    expect(await refusal(KEEP, { from: KEEP })).toEqual({ status: 422, paths: ["from"] });
    expect(await refusal(KEEP, {})).toEqual({ status: 422, paths: ["from"] });
    expect(await refusal(KEEP, { from: "bad id" })).toEqual({ status: 422, paths: ["from"] });
    expect(await refusal(KEEP, { from: DUPE, extra: 1 })).toMatchObject({ status: 422 });
    expect(await refusal(KEEP, "{not json")).toMatchObject({ status: 400 });
    expect(await refusal(KEEP, { from: "merge-nobody" })).toEqual({ status: 404, paths: ["from"] });
    expect(await refusal("merge-nobody", { from: DUPE })).toMatchObject({ status: 404 });
    expect(await refusal(KEEP, { from: DUPE }, reader)).toMatchObject({ status: 403 });
    // Nothing was moved by any of them.
    expect((await view(DUPE)).body.responses).toHaveLength(3);
  });

  it("moves responses, cases and events onto the survivor and recomputes its rollups and risk", async () => {
    before = await figures();
    expect(before.drivers.drivers.find((driver: { theme: string }) => driver.theme === "delivery")).toMatchObject({
      mentions: 5,
      customers: 3,
    });

    first = await merge(KEEP, { from: DUPE });
    expect(first.statusCode).toBe(200);
    expect(first.body).toMatchObject({
      id: KEEP,
      from: DUPE,
      by: "ops",
      moved: { responses: 3, cases: 1, events: 1 },
      profile: {
        id: KEEP,
        email: "Ada.Buyer@Merge.example",
        rollups: {
          responseCount: 4,
          openCases: 1,
          latestScores: { nps: { score: 8, at: "2026-11-04T12:00:00.000Z" } },
        },
        history: [{ by: "ops", change: `merged customer ${DUPE} into this profile` }],
      },
    });

    const survivor = (await view(KEEP)).body;
    expect(survivor.responses.map((item: { id: string }) => item.id).sort()).toEqual([
      responseId(0, DUPE),
      responseId(1, DUPE),
      responseId(2, DUPE),
      responseId(3, KEEP),
    ]);
    expect(survivor.responses.every((item: { customer: { id: string } }) => item.customer.id === KEEP)).toBe(true);
    expect(survivor.cases).toMatchObject([{ customerId: KEEP, response: { customer: { id: KEEP } } }]);
    expect(survivor.cases[0].history.at(-1).change).toBe(MERGED_CASE_CHANGE);
    expect(survivor.events).toMatchObject([{ id: "ticket-1", customerId: KEEP }]);
    // The risk stored on the survivor was recomputed from everything it now holds (a detractor, a ticket).
    const stored = (await scan()).find((item) => item.pk === `CUSTOMER#${KEEP}` && item.sk === "PROFILE");
    expect(stored?.churnRisk).toMatchObject({ score: survivor.churnRisk.score, assessedAt: expect.any(String) });
    expect(stored?.rollups).toEqual(first.body.profile && (first.body.profile as { rollups: unknown }).rollups);

    const listed = await pipeline.read(
      httpEvent("GET /v1/responses", { headers: admin, query: { ...WINDOW, customerId: DUPE } }),
    );
    expect(listed.body).toEqual({ items: [], nextCursor: null });
  });

  it("leaves the absorbed profile as a pointer that says where it went, out of the duplicates", async () => {
    const { statusCode, body } = await view(DUPE);
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ responses: [], cases: [], events: [] });
    expect(body.profile).toMatchObject({
      id: DUPE,
      mergedInto: KEEP,
      history: [{ by: "ops", change: `merged into customer ${KEEP}` }],
    });
    expect(body.profile).not.toHaveProperty("email");
    expect(body.profile).not.toHaveProperty("rollups");
    const groups = (await duplicates()).body.items;
    expect(groups.map((group: { reason: string }) => group.reason)).toEqual(["name+phone"]);
    // A pointer is not a profile to put, nor one to merge into; it is not among the customers at risk.
    expect((await call("PUT /v1/customers/{id}", { id: DUPE, body: { segment: "smb" } })).statusCode).toBe(409);
    expect((await merge(DUPE, { from: BYSTANDER })).statusCode).toBe(409);
    expect((await merge(BYSTANDER, { from: DUPE })).statusCode).toBe(409);
    const item = (await scan()).find((entry) => entry.pk === `CUSTOMER#${DUPE}` && entry.sk === "PROFILE");
    expect(item).not.toHaveProperty("churnRisk");
    expect(item).not.toHaveProperty("gsi1pk");
    expect(item).not.toHaveProperty("gsi2pk");
  });

  it("answers a second merge the same and changes nothing", async () => {
    const tableBefore = await scan();
    const again = await merge(KEEP, { from: DUPE });
    expect(again.statusCode).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = (await scan()).filter(
      (item) =>
        JSON.stringify(item) !==
        JSON.stringify(tableBefore.find((other) => other.pk === item.pk && other.sk === item.sk)),
    );
    expect(changed.map((item) => `${item.pk} ${item.sk}`)).toEqual([]);
  });

  it("counts every answer once: the rollup of the marked days and a recompute give the same figures", async () => {
    await rollup({} as ScheduledEvent, lambdaContext("metrics-rollup"));
    const after = await figures();
    expect(after.metrics).toEqual(before.metrics);
    const delivery = (drivers: typeof before.drivers) =>
      drivers.drivers.find((driver: { theme: string }) => driver.theme === "delivery");
    // The same mentions, now by one customer fewer: the two profiles were one customer.
    expect(delivery(after.drivers)).toMatchObject({ mentions: 5, customers: 2 });
    await metricsApi(httpEvent("POST /v1/metrics/recompute", { headers: admin, body: JSON.stringify(WINDOW) }));
    expect(await figures()).toEqual(after);
  });

  it("erasing the survivor erases the pointer too, and leaves no duplicate key behind", async () => {
    expect((await call("DELETE /v1/customers/{id}", { id: KEEP })).statusCode).toBe(200);
    expect((await view(DUPE)).statusCode).toBe(404);
    await rollup({} as ScheduledEvent, lambdaContext("metrics-rollup"));
    const items = await scan();
    const naming = (text: string) => items.filter((item) => JSON.stringify(item).includes(text)).map((i) => i.pk);
    for (const gone of [KEEP, DUPE, "ada.buyer@merge.example", "Ada.Buyer@Merge.example"])
      expect(naming(gone), gone).toEqual([]);
    const [ada] = duplicateKeys({ email: "ada.buyer@merge.example" });
    expect(items.filter((item) => item.pk === `MATCHKEY#${ada?.key}`)).toEqual([]);
  });
});
