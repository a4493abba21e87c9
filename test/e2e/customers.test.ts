import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const run = promisify(execFile);
const local = localApi("customers");
const { call, dataDir } = local;
/** Three weeks out, so the renewal always counts as "within 30 days" whatever day the tests run. */
const RENEWAL = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  await local.start({
    extendStack: (stack) => {
      new Rule(stack, "E2eAtRisk", {
        eventBus: stack.data.bus,
        eventPattern: { source: ["cxloop"], detailType: ["Customer At Risk"] },
        targets: [new SqsQueue(new Queue(stack, "E2eAtRiskWatcher"))],
      });
    },
  });
});
afterAll(async () => {
  await local.stop();
  local.removeData();
});

function writeCsv(file: string, rows: number, bad: Record<number, string>) {
  const lines = ["id,email,name,segment,plan,annualValue,currency,renewalDate,attr.region"];
  for (let i = 1; i <= rows; i++)
    lines.push(bad[i] ?? `imp-${i},user${i}@example.com,User ${i},smb,pro,${i * 10},EUR,2027-01-31,EU`);
  writeFileSync(file, `${lines.join("\n")}\n`);
}
const cli = (args: string[]) =>
  run(
    process.execPath,
    ["--import", "tsx", "bin/cli.ts", ...args, "--endpoint", local.runtime().url, "--key", local.apiKey],
    {
      cwd: join(import.meta.dirname, "../.."),
    },
  );

describe("bulk import", () => {
  // The first test of the file also waits for the functions' first start, which is slow on a busy machine.
  it("streams a CSV through the batch API, reporting rejected rows by line", async () => {
    const file = join(dataDir, "customers.csv");
    // Line numbers count the header as line 1, so row i is on line i + 1.
    writeCsv(file, 1500, {
      10: "imp-10,not-an-email,X,smb,pro,5,EUR,,",
      700: "bad id,a@b.co,X,smb,pro,5,EUR,,",
      1200: "imp-1200,,X,smb,pro,-3,euro,,",
    });
    const { stdout } = await cli(["customers", "import", file]);
    expect(JSON.parse(stdout)).toMatchObject({
      rows: 1500,
      created: 1497,
      updated: 0,
      rejected: 3,
      skippedFromLastRun: 0,
    });
    const report = readFileSync(`${file}.errors.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(report.map((entry) => entry.line).sort((a, b) => a - b)).toEqual([11, 701, 1201]);
    expect(report.find((entry) => entry.line === 1201).errors.map((e: Json) => e.path)).toEqual([
      "annualValue",
      "currency",
    ]);
    expect((await call("GET", "/v1/customers/imp-42")).body.profile).toMatchObject({
      segment: "smb",
      annualValue: 420,
      attributes: { region: "EU" },
    });
  }, 90_000);

  it("resumes after the last checkpointed line", async () => {
    const file = join(dataDir, "resume.csv");
    writeCsv(file, 300, {});
    writeFileSync(`${file}.import-state.json`, JSON.stringify({ line: 201 }));
    const { stdout } = await cli(["customers", "import", file]);
    expect(JSON.parse(stdout)).toMatchObject({ rows: 100, skippedFromLastRun: 200, updated: 100 });
  });
});

describe("bulk import: rows that miss their header, and likely duplicates", () => {
  it("refuses rows with too few or too many fields by line, and reports duplicates in the file and in the table", async () => {
    expect((await call("PUT", "/v1/customers/imd-stored", { email: "kai@import.example" })).status).toBe(201);
    const file = join(dataDir, "duplicates.csv");
    writeFileSync(
      file,
      [
        "id,email,name,phone,segment",
        "imd-1,Lee@Import.example,Lee,,smb",
        "imd-2,lee@import.example,Lee L.,,smb",
        "imd-3,short@import.example",
        "imd-4,long@import.example,Long,,smb,surplus",
        "imd-5,KAI@import.example,Kai,+49 30 1234567,enterprise",
        "",
      ].join("\n"),
    );
    const { stdout } = await cli(["customers", "import", file]);
    expect(JSON.parse(stdout)).toMatchObject({
      rows: 5,
      created: 3,
      rejected: 2,
      duplicates: 2,
      duplicateReport: `${file}.duplicates.jsonl`,
    });
    const lines = (path: string) =>
      readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .sort((a, b) => a.line - b.line);
    expect(lines(`${file}.errors.jsonl`)).toEqual([
      {
        line: 4,
        id: "imd-3",
        errors: [
          { path: "row", message: expect.stringMatching(/has 2 fields, its header 5: name, phone, segment missing/) },
        ],
      },
      { line: 5, id: "imd-4", errors: [{ path: "row", message: expect.stringMatching(/has 6 fields, its header 5/) }] },
    ]);
    expect(lines(`${file}.duplicates.jsonl`)).toEqual([
      { line: 3, id: "imd-2", duplicateOf: ["imd-1"] },
      { line: 6, id: "imd-5", duplicateOf: ["imd-stored"] },
    ]);
    expect((await call("GET", "/v1/customers/imd-3")).status).toBe(404);
    expect((await call("GET", "/v1/customers/imd-5")).body.profile).toMatchObject({ phone: "+49 30 1234567" });
  }, 60_000);
});

describe("customer profiles and the 360° view", () => {
  it("creates, replaces and validates a profile", async () => {
    const created = await call("PUT", "/v1/customers/acme", {
      email: "buyer@acme.example",
      name: "Acme Corp",
      segment: "enterprise",
      plan: "pro",
      annualValue: 200000,
      currency: "EUR",
      renewalDate: RENEWAL,
      owner: "kim",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "acme", segment: "enterprise", annualValue: 200000, minimal: false });
    const replaced = await call("PUT", "/v1/customers/acme", {
      owner: "kim",
      email: "buyer@acme.example",
      name: "Acme Corp",
      segment: "enterprise",
      annualValue: 200000,
      currency: "EUR",
      renewalDate: RENEWAL,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.plan).toBeUndefined();
    expect(replaced.body.createdAt).toBe(created.body.createdAt);
    const bad = await call("PUT", "/v1/customers/acme", { annualValue: -5, currency: "euro" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: Json) => d.path)).toEqual(["annualValue", "currency"]);
  });

  it("upserts a batch with per-item results", async () => {
    const answer = await call("POST", "/v1/customers/batch", {
      customers: [
        { id: "c-1", segment: "smb" },
        { id: "bad id", segment: "smb" },
        { id: "c-2", colour: "red" },
      ],
    });
    expect(answer.body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(answer.body.results[1].error.details[0].path).toBe("customers.1.id");
    expect(answer.body.results[2].error.details[0].path).toBe("customers.2.colour");
  });

  it("joins responses with the profile, opens a high-priority case, and shows it all in the 360° view", async () => {
    await call("POST", "/v1/customers/acme/events", {
      id: "t-1",
      type: "support-ticket",
      time: "2026-11-20T10:00:00Z",
    });
    const repeat = await call("POST", "/v1/customers/acme/events", {
      id: "t-1",
      type: "support-ticket",
      time: "2026-11-20T10:00:00Z",
    });
    expect(repeat.status).toBe(200);
    await call("POST", "/v1/responses", {
      id: "acme-1",
      type: "nps",
      score: 8,
      submittedAt: "2026-10-01T10:00:00Z",
      customer: { id: "acme" },
    });
    await call("POST", "/v1/responses", {
      id: "acme-2",
      type: "nps",
      score: 3,
      comment: "Support has been slow for weeks",
      customer: { id: "acme", email: "buyer@acme.example", name: "Jo Buyer" },
    });
    const record = await eventually(async () => {
      const found = await call("GET", "/v1/responses/acme-2");
      return found.status === 200 ? found.body : undefined;
    });
    expect(record.customer).toMatchObject({
      id: "acme",
      segment: "enterprise",
      annualValue: 200000,
      renewalDate: RENEWAL,
    });
    const opened = await eventually(async () => {
      const found = await call("GET", "/v1/cases/case-acme-2");
      return found.status === 200 ? found.body : undefined;
    });
    expect(opened.priority).toBe("high");

    const view = await call("GET", "/v1/customers/acme");
    expect(view.status).toBe(200);
    expect(view.body.latestScores.nps).toMatchObject({ score: 3, category: "detractor", trend: -5 });
    expect(view.body.churnRisk.level).toBe("high");
    expect(view.body.churnRisk.reasons[0]).toBe("latest NPS 3 (detractor)");
    expect(view.body.responses.map((r: Json) => r.id)).toEqual(["acme-2", "acme-1"]);
    expect(view.body.profile).not.toHaveProperty("churnRisk");
    expect(view.body.cases.map((c: Json) => c.id)).toContain("case-acme-2");
    expect(view.body.events).toHaveLength(1);
  });

  it("publishes Customer At Risk once when risk crosses the threshold, not once per response", async () => {
    const received: Json[] = [];
    const drain = async () => {
      received.push(...(await local.receive("E2eAtRiskWatcher")));
      return received.length ? received : undefined;
    };
    await eventually(drain);
    expect(received[0].detail).toMatchObject({
      customerId: "acme",
      segment: "enterprise",
      annualValue: 200000,
      churnRisk: { level: "high" },
    });
    // Risk is computed from all that is stored when the check runs, so either response can be the one that tipped it.
    expect(received[0].detail.trigger).toMatch(/^response acme-[12]$/);

    await call("POST", "/v1/responses", { id: "acme-3", type: "ces", score: 1, customer: { id: "acme" } });
    await eventually(async () => ((await call("GET", "/v1/responses/acme-3")).status === 200 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await drain();
    expect(received.filter((event) => event.detail.customerId === "acme")).toHaveLength(1);

    const retention = await eventually(async () => {
      const { body } = await call("GET", "/v1/cases?limit=100");
      const found = body.items.filter((item: Json) => item.rule === "churn-risk" && item.customerId === "acme");
      return found.length ? found : undefined;
    });
    expect(retention).toHaveLength(1);
    expect(retention[0]).toMatchObject({
      owner: "kim",
      priority: "high",
      response: null,
      churnRisk: { level: "high" },
    });
    expect(retention[0].id).toBe(`retention-acme-${received[0].detail.since}`);

    const rollups = await eventually(async () => {
      const { body } = await call("GET", "/v1/customers/acme");
      return body.profile.rollups?.responseCount === 3 ? body.profile.rollups : undefined;
    });
    expect(rollups).toMatchObject({
      latestScores: { nps: { score: 3 }, csat: null, ces: { score: 1 } },
      responseCount: 3,
    });
    expect(rollups.openCases).toBeGreaterThanOrEqual(2);

    const { body: revenue } = await call("GET", "/v1/revenue-at-risk");
    expect(revenue).toMatchObject({
      threshold: 0.6,
      customersAtRisk: 1,
      customersWithoutValue: 0,
      revenueAtRisk: [{ currency: "EUR", customers: 1, bySegment: [{ segment: "enterprise" }] }],
    });
    // 200,000 × the stored risk, which is at or above the 0.6 threshold.
    expect(revenue.revenueAtRisk[0].total).toBeGreaterThanOrEqual(120_000);
    expect(revenue.revenueAtRisk[0].total).toBeLessThanOrEqual(200_000);
    expect(rollups.lastResponseAt).not.toBeNull();
  });

  it("creates a minimal profile for a customer first seen in a response", async () => {
    await call("POST", "/v1/responses", { id: "walk-in-1", type: "csat", score: 5, customer: { id: "walk-in" } });
    const view = await eventually(async () => {
      const found = await call("GET", "/v1/customers/walk-in");
      return found.status === 200 && found.body.profile ? found.body : undefined;
    });
    expect(view.profile).toMatchObject({ id: "walk-in", minimal: true });
    expect((await call("GET", "/v1/customers/nobody")).status).toBe(404);
  });

  it("erases a customer: no email, name or comment of theirs is left anywhere in the table", async () => {
    const erased = await call("DELETE", "/v1/customers/acme");
    expect(erased.body).toMatchObject({ erased: { profile: true, events: 1, responses: 3 } });
    const everything = JSON.stringify(await local.scan());
    for (const personal of ["buyer@acme.example", "Jo Buyer", "Acme Corp", "Support has been slow"])
      expect(everything).not.toContain(personal);
    const record = await call("GET", "/v1/responses/acme-2");
    expect(record.body).toMatchObject({ score: 3, category: "detractor", comment: null });
    expect(record.body.customer.id).toMatch(/^erased-/);
    expect((await call("GET", "/v1/cases/case-acme-2")).body.response.comment).toBeNull();
    expect((await call("GET", "/v1/customers/acme")).status).toBe(404);
  });
});

describe("operational KPIs", () => {
  /**
   * kpi-a answers NPS 10 (promoter) and kpi-b 4 (detractor) in July; kpi-c never answers. August, by hand:
   * churn: a renewed, b cancelled, c renewed → 1 / 3 = 33.33%; promoters retain 1 / 1, detractors 0 / 1.
   * repurchase: a bought twice, b and c once → 1 / 3; first contact: a's ticket (1 contact) of a's and b's (2) → 1 / 2.
   * revenue EUR: 120 + 30 + 50 − 50 = 150 over a and b = 75 each (promoter a 150, detractor b 0); USD 25 (c).
   */
  it("stamps each event with the customer's NPS category and answers the KPIs split by it", async () => {
    for (const [id, customer, score] of [
      ["kpi-a-nps", "kpi-a", 10],
      ["kpi-b-nps", "kpi-b", 4],
    ] as const) {
      const sent = await call("POST", "/v1/responses", {
        id,
        type: "nps",
        score,
        submittedAt: "2026-07-20T10:00:00Z",
        customer: { id: customer },
      });
      expect(sent.status).toBe(202);
    }
    for (const id of ["kpi-a-nps", "kpi-b-nps"])
      await eventually(async () => ((await call("GET", `/v1/responses/${id}`)).status === 200 ? true : undefined));

    const events: [string, Json][] = [
      ["kpi-a", { id: "a-renew", type: "renewal", time: "2026-08-05T10:00:00Z" }],
      ["kpi-a", { id: "a-buy-1", type: "purchase", time: "2026-08-02T10:00:00Z", amount: 120, currency: "EUR" }],
      ["kpi-a", { id: "a-buy-2", type: "purchase", time: "2026-08-20T10:00:00Z", amount: 30, currency: "EUR" }],
      ["kpi-a", { id: "a-ticket", type: "support-ticket", time: "2026-08-06T10:00:00Z", contactsToResolve: 1 }],
      ["kpi-b", { id: "b-cancel", type: "cancellation", time: "2026-08-10T10:00:00Z" }],
      ["kpi-b", { id: "b-buy-1", type: "purchase", time: "2026-08-03T10:00:00Z", amount: 50, currency: "EUR" }],
      ["kpi-b", { id: "b-return", type: "return", time: "2026-08-04T10:00:00Z", amount: 50, currency: "EUR" }],
      ["kpi-b", { id: "b-ticket", type: "support-ticket", time: "2026-08-07T10:00:00Z", contactsToResolve: 2 }],
      ["kpi-c", { id: "c-renew", type: "renewal", time: "2026-08-15T10:00:00Z" }],
      ["kpi-c", { id: "c-buy-1", type: "purchase", time: "2026-08-16T10:00:00Z", amount: 25, currency: "USD" }],
    ];
    for (const [customer, event] of events) {
      const answer = await call("POST", `/v1/customers/${customer}/events`, event);
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    }
    const first = events[1] as [string, Json];
    const repeat = await call("POST", `/v1/customers/${first[0]}/events`, first[1]);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ id: "a-buy-1", npsCategory: "promoter" });
    const bad = await call("POST", "/v1/customers/kpi-a/events", {
      type: "purchase",
      time: "2026-08-21T10:00:00Z",
      amount: 10,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((detail: Json) => detail.path)).toEqual(["currency"]);

    const { status, body } = await call("GET", "/v1/kpis?from=2026-08-01&to=2026-08-31");
    expect(status).toBe(200);
    const rate = (value: Json) => [value.rate, value.numerator, value.denominator];
    expect(rate(body.churn)).toEqual([33.33, 1, 3]);
    expect(rate(body.retention)).toEqual([66.67, 2, 3]);
    expect(rate(body.repurchase)).toEqual([33.33, 1, 3]);
    expect(rate(body.firstContactResolution)).toEqual([50, 1, 2]);
    expect(body.revenue).toMatchObject([
      { currency: "EUR", purchases: 200, returns: 50, net: 150, customers: 2, perCustomer: 75 },
      { currency: "USD", net: 25, customers: 1 },
    ]);
    const { promoter, detractor, none } = body.byNpsCategory;
    expect(rate(promoter.retention)).toEqual([100, 1, 1]);
    expect(rate(detractor.retention)).toEqual([0, 0, 1]);
    expect(rate(none.retention)).toEqual([100, 1, 1]);
    expect(promoter.revenue).toMatchObject([{ currency: "EUR", net: 150, perCustomer: 150 }]);
    expect(detractor.revenue).toMatchObject([{ currency: "EUR", net: 0, perCustomer: 0 }]);

    const weekly = await call("GET", "/v1/kpis?from=2026-08-01&to=2026-08-31&groupBy=week");
    // 1 Aug 2026 is a Saturday: weeks of 27 Jul, 3, 10, 17, 24 and 31 Aug.
    expect(weekly.body.groups.map((group: Json) => group.key)).toEqual([
      "2026-07-27",
      "2026-08-03",
      "2026-08-10",
      "2026-08-17",
      "2026-08-24",
      "2026-08-31",
    ]);
    expect((await call("GET", "/v1/kpis?groupBy=stage")).status).toBe(422);
  });
});
