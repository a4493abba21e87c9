import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OperationId, ROUTES } from "../../lambdas/contracts/routes";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const local = localApi("openapi-client");
const { call } = local;
const workDir = mkdtempSync(join(tmpdir(), "cxloop-openapi-client-"));

beforeAll(async () => {
  await local.start();
});
afterAll(async () => {
  await local.stop();
  local.removeData();
  rmSync(workDir, { recursive: true, force: true });
});

/** Real answers of the running API, each under the operation and status it came from. */
const answers: { operationId: OperationId; status: number; body: Json }[] = [];
async function record(operationId: OperationId, path: string, body?: unknown) {
  const method = ROUTES[operationId].key.split(" ")[0] as string;
  const answer = await call(method, path, body);
  answers.push({ operationId, ...answer });
  return answer;
}

/** Pages for people (a survey link's): documented as `text/html`, so they are checked as pages, not typed as JSON. */
const pages: { operationId: OperationId; status: number; contentType: string | null }[] = [];
async function recordPage(operationId: OperationId, url: string, form?: Record<string, string>) {
  const answer = await fetch(url, form ? { method: "POST", body: new URLSearchParams(form) } : {});
  pages.push({ operationId, status: answer.status, contentType: answer.headers.get("content-type") });
  return answer;
}

/** Type-checks `source` (next to the generated client types) and returns the compiler's complaints. */
function typeErrors(fileName: string, source: string): string[] {
  const file = join(workDir, fileName);
  writeFileSync(file, source);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
}

const PRELUDE = `import type { operations } from "./api";
type Body<Op extends keyof operations, S extends keyof operations[Op]["responses"]> =
  operations[Op]["responses"][S] extends { content: { "application/json": infer B } } ? B : never;
`;
const assignment = (name: string, operationId: string, status: number, body: unknown) =>
  `export const ${name}: Body<"${operationId}", ${status}> = ${JSON.stringify(body, null, 2)};\n`;

describe("a client generated from GET /v1/openapi.json", () => {
  it("type-checks against the real answers of every route", async () => {
    const customer = { id: "oa-c-1", email: "ada@example.com", name: "Ada" };
    const submitted = await record("submitResponse", "/v1/responses", {
      id: "oa-r-1",
      type: "nps",
      score: 2,
      comment: "Delivery was late and support never called back",
      survey: "post-purchase",
      channel: "email",
      touchpoint: "delivery",
      customer,
    });
    expect(submitted.status).toBe(202);
    await record("submitResponses", "/v1/responses/batch", {
      responses: [
        { id: "oa-r-2", type: "csat", score: 5, customer: { id: "oa-c-2" } },
        { type: "nps", score: 11 },
      ],
    });
    await record("putCustomer", `/v1/customers/${customer.id}`, {
      email: customer.email,
      segment: "enterprise",
      annualValue: 120000,
      currency: "EUR",
    });
    await record("putCustomer", `/v1/customers/${customer.id}`, { segment: "enterprise", annualValue: 90000 });
    await record("putCustomers", "/v1/customers/batch", {
      customers: [{ id: "oa-c-3", segment: "smb" }, { id: "bad id" }],
    });
    await record("recordCustomerEvent", `/v1/customers/${customer.id}/events`, {
      id: "oa-e-1",
      type: "support-ticket",
      time: new Date().toISOString(),
    });

    const caseId = "case-oa-r-1";
    await eventually(
      async () => ((await call("GET", `/v1/cases/${caseId}`)).status === 200 ? true : undefined),
      20_000,
    );
    await record("getResponse", "/v1/responses/oa-r-1");
    await record("listResponses", "/v1/responses?limit=5");
    await record("listCases", "/v1/cases?status=open");
    await record("getCaseStats", "/v1/cases/stats");
    await record("getCase", `/v1/cases/${caseId}`);
    await record("updateCase", `/v1/cases/${caseId}`, { status: "contacted", note: "Called, apologised" });
    await record("getCase", "/v1/cases/case-none");
    await record("getCustomer", `/v1/customers/${customer.id}`);
    await record("searchCustomers", `/v1/customers?q=${customer.email}`);
    await record("exportCustomer", `/v1/customers/${customer.id}/export`);
    await record("putCustomer", "/v1/customers/oa-c-5", { email: customer.email.toUpperCase() });
    await record("listCustomerDuplicates", "/v1/customers/duplicates");
    await record("mergeCustomer", `/v1/customers/${customer.id}/merge`, { from: "oa-c-5" });
    await record("mergeCustomer", `/v1/customers/${customer.id}/merge`, { from: customer.id });
    await record("getMe", "/v1/me");
    await record("getSurveyEligibility", `/v1/survey-eligibility?survey=post-purchase&customerId=${customer.id}`);
    await record("listRules", "/v1/rules");
    await record("testRule", "/v1/rules/nps-detractor/test", {});
    await record("getRevenueAtRisk", "/v1/revenue-at-risk");
    await local.invokeSchedule("MetricsRollupSchedule");
    await record("getMetrics", "/v1/metrics?groupBy=touchpoint");
    await record("getDrivers", "/v1/drivers");
    await record("getKpis", "/v1/kpis?groupBy=week");
    const today = new Date().toISOString().slice(0, 10);
    await record("recomputeMetrics", "/v1/metrics/recompute", { from: today, to: today });
    await record("getOpenApi", "/v1/openapi.json");
    await record("eraseCustomer", "/v1/customers/oa-c-2");
    await record("createKey", "/v1/keys", { name: "openapi-client", scopes: ["read"] });
    await record("listKeys", "/v1/keys");
    const created = answers.find((answer) => answer.operationId === "createKey")?.body;
    await record("revokeKey", `/v1/keys/${created.id}`);

    const link = await record("createSurveyLink", "/v1/survey-links", {
      survey: "onboarding",
      type: "nps",
      customer: { id: "oa-c-4" },
    });
    await recordPage("getSurveyPage", `${link.body.url}?score=9`);
    await recordPage("answerSurveyPage", link.body.url, { comment: "Smooth start" });
    // No peer secrets locally unless set: the hooks answer their documented 401.
    await record("receiveDelightedHook", "/v1/hooks/delighted", { event_type: "survey_response.created" });
    await record("receiveFormbricksHook", "/v1/hooks/formbricks", { event: "responseCreated" });
    const webhook = await record("createWebhook", "/v1/webhooks", {
      url: "https://hooks.example.com/cxloop",
      events: ["Response Recorded"],
    });
    await record("listWebhooks", "/v1/webhooks");
    await record("getWebhook", `/v1/webhooks/${webhook.body.id}`);
    await record("rotateWebhookSecret", `/v1/webhooks/${webhook.body.id}/rotate-secret`);
    await record("testWebhook", `/v1/webhooks/${webhook.body.id}/test`);
    await record("listWebhookDeliveries", `/v1/webhooks/${webhook.body.id}/deliveries`);
    await record("enableWebhook", `/v1/webhooks/${webhook.body.id}/enable`);
    await record("deleteWebhook", `/v1/webhooks/${webhook.body.id}`);
    const exported = await record("createExport", "/v1/exports", {
      from: `${today}T00:00:00.000Z`,
      to: `${today}T23:59:59.999Z`,
      format: "jsonl",
    });
    expect(exported.status).toBe(202);
    await record("getExport", `/v1/exports/${exported.body.id}`);
    await record("getEnps", "/v1/enps?groupBy=team");
    const plan = await record("createActionPlan", "/v1/action-plans", {
      title: "Fix late deliveries",
      owner: "logistics",
      theme: "delivery",
      metric: "nps",
      target: { value: 40, by: "2099-01-01" },
      startsAt: today,
    });
    expect(plan.status).toBe(201);
    await record("listActionPlans", "/v1/action-plans?owner=logistics");
    await record("getActionPlanSummary", "/v1/action-plans/summary");
    await record("getActionPlan", `/v1/action-plans/${plan.body.id}`);
    await record("updateActionPlan", `/v1/action-plans/${plan.body.id}`, { status: "active" });
    await record("updateActionPlan", `/v1/action-plans/${plan.body.id}`, { status: "planned" });
    await record("linkActionPlanCase", `/v1/action-plans/${plan.body.id}/cases`, { caseId });

    expect(pages.map(({ status, contentType }) => [status, contentType])).toEqual([
      [200, "text/html; charset=utf-8"],
      [200, "text/html; charset=utf-8"],
    ]);
    expect(new Set([...answers, ...pages].map((answer) => answer.operationId))).toEqual(new Set(Object.keys(ROUTES)));
    expect(answers.some((answer) => answer.status >= 400)).toBe(true);

    const document = answers.find((answer) => answer.operationId === "getOpenApi")?.body;
    writeFileSync(join(workDir, "api.d.ts"), astToString(await openapiTS(document)));
    const checks = answers.map((answer, index) =>
      assignment(`answer${index}`, answer.operationId, answer.status, answer.body),
    );
    expect(typeErrors("answers.ts", PRELUDE + checks.join(""))).toEqual([]);
  }, 120_000);

  it("refuses an answer that breaks the documented shape, so the check above can fail", () => {
    const found = answers.find((answer) => answer.operationId === "getCase" && answer.status === 200);
    if (!found) throw new Error("no case was read in the test above");
    const { status: _status, ...withoutStatus } = found.body as Record<string, unknown>;
    const errors = typeErrors("broken.ts", PRELUDE + assignment("broken", "getCase", 200, withoutStatus));
    expect(errors.join("\n")).toMatch(/'status' is missing/);
  }, 60_000);
});
