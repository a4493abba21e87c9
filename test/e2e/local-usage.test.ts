import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const local = localApi("usage");
/** Every request this suite makes to the API, polls included: what API Gateway would bill. */
let apiRequests = 0;
const api = (method: string, path: string, body?: unknown) => {
  apiRequests += 1;
  return local.call(method, path, body);
};
const usage = async (): Promise<Json> => (await local.call("GET", "/_local/usage")).body;
const sum = (values: Record<string, number>) => Object.values(values).reduce((total, value) => total + value, 0);

beforeAll(async () => {
  await local.start({ loggingAsDeployed: true });
});
afterAll(async () => {
  await local.stop();
  local.removeData();
});

describe("GET /_local/usage", () => {
  it("meters a promoter and a detractor's way through the pipeline as AWS would bill it", async () => {
    expect(await usage()).toMatchObject({ apiGateway: { requests: 0 }, lambda: { invocations: 0 } });

    const promoter = { id: "usage-promoter", type: "nps", score: 10, customer: { id: "c-usage-1" } };
    const detractor = {
      id: "usage-detractor",
      type: "nps",
      score: 2,
      comment: "The parcel arrived broken",
      customer: { id: "c-usage-2" },
    };
    expect((await api("POST", "/v1/responses", promoter)).status).toBe(202);
    expect((await api("POST", "/v1/responses", detractor)).status).toBe(202);
    await eventually(async () => {
      const { status, body } = await api("GET", "/v1/responses/usage-promoter");
      return status === 200 && body.enrichedAt ? true : undefined;
    }, 30_000);
    await eventually(
      async () => (await api("GET", "/v1/cases/case-usage-detractor")).status === 200 || undefined,
      30_000,
    );

    // The case is visible while follow-up's invocation is still ending; it is metered when it has ended.
    const report = await eventually(async () => {
      const counted = await usage();
      return counted.lambda.byFunction["follow-up"] ? counted : undefined;
    });
    expect(report.apiGateway.requests).toBe(apiRequests);

    // Intake and the two API functions answered the requests; enrichment and the case's opening ran off queues.
    const onThePath = ["intake", "responses-api", "cases-api", "enrich", "follow-up"];
    expect(Object.keys(report.lambda.byFunction)).toEqual(expect.arrayContaining(onThePath));
    expect(report.lambda.invocations).toBeGreaterThanOrEqual(onThePath.length);
    expect(report.lambda.byFunction.intake.invocations).toBe(2);
    // Half a gigabyte for at least a millisecond each.
    expect(report.lambda.gbSeconds).toBeGreaterThanOrEqual((report.lambda.invocations * 0.5) / 1000);

    // Intake's two sends, and at least enrichment's receive and delete; the pollers' empty receives apart.
    expect(report.sqs.requests).toBeGreaterThanOrEqual(4);
    expect(report.sqs.byAction).toHaveProperty("ReceiveMessage");
    expect(typeof report.sqs.emptyReceives).toBe("number");
    expect(report.events.entries).toBeGreaterThanOrEqual(2);
    expect(report.events.deliveries).toBeGreaterThanOrEqual(2);
    expect(report.events.archivedBytes).toBeGreaterThan(0);

    // Every stored item was written at least once, and the indexes were written on top.
    const items = await local.scan();
    const indexWrites = sum(report.dynamodb.writeUnitsByIndex);
    expect(indexWrites).toBeGreaterThan(0);
    expect(report.dynamodb.writeUnits).toBeGreaterThanOrEqual(items.length + indexWrites);
    expect(report.dynamodb.writeUnits).toBeGreaterThan(items.length);
    expect(report.dynamodb.readUnits).toBeGreaterThan(0);

    // Logging as deployed, what the functions write is counted; Lambda's own lines are off at the stack's system
    // log level (WARN), so none are added per invocation.
    expect(report.logs.asDeployed).toBe(true);
    expect(report.logs.bytes).toBeGreaterThan(0);
    expect(report.logs.bytes).toBe(sum(report.logs.byFunction));

    expect(report.estimatedUsd).toBeGreaterThan(0);
    expect(report.estimatedUsd).toBeCloseTo(sum(report.usdByService), 12);
    expect(Object.keys(report.usdByService).sort()).toEqual(
      ["apiGateway", "dynamodb", "events", "lambda", "logs", "sqs"].sort(),
    );
  }, 40_000);

  it("resets to zero, answering what it had counted; its own calls are not API requests", async () => {
    const reset = await local.call("POST", "/_local/usage/reset");
    expect(reset.status).toBe(200);
    expect(reset.body.apiGateway.requests).toBe(apiRequests);
    expect(reset.body.lambda.invocations).toBeGreaterThan(0);

    const after = await usage();
    expect(after.apiGateway.requests).toBe(0);
    expect(after.estimatedUsd).toBeLessThan(reset.body.estimatedUsd);
  });

  it("rewrites a known customer's profile once per response, in no index, and not at all for a redelivery", async () => {
    const customerId = "c-usage-3";
    expect((await api("PUT", `/v1/customers/${customerId}`, { email: "Usage.Three@Example.com" })).status).toBe(201);
    await local.call("POST", "/_local/usage/reset");
    const promoter = { id: "usage-known", type: "nps", score: 9, customer: { id: customerId } };
    expect((await api("POST", "/v1/responses", promoter)).status).toBe(202);
    const assessedOnce = async () => {
      const { body } = await api("GET", `/v1/customers/${customerId}`);
      return body.profile?.rollups?.responseCount === 1 ? true : undefined;
    };
    await eventually(assessedOnce, 30_000);
    // The rollups are visible while enrichment's invocation is still ending; it is metered when it has ended.
    const first = await eventually(async () => {
      const counted = await usage();
      return counted.lambda.byFunction.enrich ? counted : undefined;
    });
    // The record's two index copies and nothing else: the risk update of the profile is a write of the table only.
    expect(first.dynamodb.writeUnitsByIndex).toEqual({ gsi1: 1, gsi2: 1 });
    const storedRisk = async () =>
      (await local.scan()).find((item) => item.pk === `CUSTOMER#${customerId}` && item.sk === "PROFILE")?.churnRisk;
    const assessed = await storedRisk();
    expect(assessed).toMatchObject({ assessedAt: expect.any(String) });

    // The same body again: enrichment finds it stored, publishes it again and assesses the risk again.
    const enriched = () => first.lambda.byFunction.enrich.invocations;
    expect((await api("POST", "/v1/responses", promoter)).status).toBe(202);
    await eventually(async () => {
      const now = await usage();
      return now.lambda.byFunction.enrich.invocations > enriched() ? true : undefined;
    }, 30_000);
    expect(await storedRisk()).toEqual(assessed);
    // Search by address, whatever its case, reads the duplicate index now that profiles are in no index.
    const found = await api("GET", `/v1/customers?q=${encodeURIComponent("usage.three@example.COM")}`);
    expect(found.body.items.map((item: Json) => item.id)).toEqual([customerId]);
  }, 60_000);
});
