import { describe, expect, it } from "vitest";
import type { Case } from "../../lambdas/contracts/cases";
import { type FollowUpConfig, followUpConfigSchema } from "../../lambdas/contracts/follow-up-config";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { alertFor } from "../../lambdas/core/alerts";
import { openCase } from "../../lambdas/core/cases";
import { followUp, followUpAtRisk, matchingRule, notifyCase, sweepOverdue } from "../../lambdas/core/follow-up";

const config: FollowUpConfig = followUpConfigSchema.parse({
  owners: { "cx-team": { name: "CX", email: "cx@example.com", slack: "cx" } },
  escalation: [
    { name: "Lead", email: "lead@example.com" },
    { name: "Head", slack: "heads" },
  ],
  caseUrl: "https://cx.example.com/cases",
});
const record = (overrides: Partial<ResponseRecord>): ResponseRecord => ({
  id: "r-1",
  type: "nps",
  score: 2,
  scale: { min: 0, max: 10 },
  category: "detractor",
  comment: "Waited <b>forever</b>",
  sentiment: null,
  themes: [],
  survey: "post-purchase",
  channel: "email",
  touchpoint: null,
  customer: {
    id: "c-1",
    name: "Ada",
    segment: "smb",
    plan: null,
    annualValue: 1200,
    currency: "EUR",
    renewalDate: null,
  },
  submittedAt: "2026-11-23T09:00:00.000Z",
  receivedAt: "2026-11-23T09:00:00.000Z",
  enrichedAt: "2026-11-23T09:00:01.000Z",
  attributes: {},
  locale: null,
  ...overrides,
});
const event = (detail: ResponseRecord) => ({ source: "cxloop", "detail-type": "Response Recorded", detail });

describe("default follow-up rules", () => {
  it.each([
    [{ type: "nps", score: 6, category: "detractor" }, "nps-detractor"],
    [{ type: "nps", score: 7, category: "passive" }, undefined],
    [{ type: "csat", score: 2, category: "dissatisfied", scale: { min: 1, max: 5 } }, "csat-low"],
    [{ type: "csat", score: 3, category: "neutral", scale: { min: 1, max: 5 } }, undefined],
    [{ type: "ces", score: 3, category: "hard", scale: { min: 1, max: 7 } }, "ces-hard"],
    [{ type: "ces", score: 4, category: "neutral", scale: { min: 1, max: 7 } }, undefined],
    [{ type: "comment", score: null, category: null, scale: null }, undefined],
  ] as const)("%o → %s", (fields, expected) => {
    expect(matchingRule(event(record(fields as Partial<ResponseRecord>)), config)?.name).toBe(expected);
  });
});

function memory() {
  const cases = new Map<string, { stored: Case; publishedAt: string | null }>();
  const published: { type: string; case: Case; level?: number }[] = [];
  const deliveries = new Set<string>();
  let failPublish = 0;
  const clock = { now: new Date("2026-11-23T10:00:00Z") };
  const events = {
    caseEvent: async (type: string, detail: { case: Case; level?: number }) => {
      if (failPublish-- > 0) throw new Error("bus down");
      published.push({ type, ...detail });
    },
  };
  const store = {
    createIfAbsent: async (value: Case) => {
      const existing = cases.get(value.id);
      if (existing) return { created: false, ...existing };
      cases.set(value.id, { stored: value, publishedAt: null });
      return { created: true, stored: value, publishedAt: null };
    },
    markPublished: async (id: string, at: Date) => {
      const entry = cases.get(id);
      if (entry) entry.publishedAt = at.toISOString();
    },
    activeDueBefore: async (at: Date) =>
      [...cases.values()].map((entry) => entry.stored).filter((item) => new Date(item.dueAt) < at),
    save: async (next: Case, expectedVersion: number) => {
      const entry = cases.get(next.id);
      if (entry?.stored.version !== expectedVersion) throw new Error("conflict");
      entry.stored = next;
    },
  };
  return {
    cases,
    published,
    deliveries,
    clock,
    failNextPublish: () => {
      failPublish = 1;
    },
    followUpPorts: { cases: store, events, config, now: () => clock.now },
    sweepPorts: {
      cases: store,
      events,
      config,
      now: () => clock.now,
      isConflict: (e: unknown) => (e as Error).message === "conflict",
    },
    deliveryPorts: {
      alertDelivered: async (caseId: string, key: string) => deliveries.has(`${caseId}/${key}`),
      recordAlertDelivered: async (caseId: string, key: string) => {
        deliveries.add(`${caseId}/${key}`);
      },
    },
  };
}

describe("followUp", () => {
  it("opens one case and publishes Case Opened once, however often the event is delivered", async () => {
    const m = memory();
    expect(await followUp(event(record({})), m.followUpPorts)).toBe("opened");
    expect(await followUp(event(record({})), m.followUpPorts)).toBe("already-open");
    expect(m.cases.size).toBe(1);
    expect(m.published.map((p) => p.type)).toEqual(["Case Opened"]);
  });

  it("publishes on redelivery when the first attempt stored the case but failed to publish", async () => {
    const m = memory();
    m.failNextPublish();
    await expect(followUp(event(record({})), m.followUpPorts)).rejects.toThrow("bus down");
    expect(await followUp(event(record({})), m.followUpPorts)).toBe("published-after-retry");
    expect(m.published).toHaveLength(1);
  });

  it("ignores responses no rule matches", async () => {
    const m = memory();
    expect(await followUp(event(record({ score: 10, category: "promoter" })), m.followUpPorts)).toBe("no-rule");
    expect(m.cases.size).toBe(0);
  });
});

describe("sweepOverdue (injected clock)", () => {
  it("escalates once per level and does nothing on a rerun", async () => {
    const m = memory();
    await followUp(event(record({})), m.followUpPorts);
    m.clock.now = new Date("2026-11-25T09:00:00Z");
    expect((await sweepOverdue(m.sweepPorts)).escalated).toEqual([]);

    m.clock.now = new Date("2026-11-25T11:00:00Z");
    expect((await sweepOverdue(m.sweepPorts)).escalated).toEqual(["case-r-1"]);
    expect((await sweepOverdue(m.sweepPorts)).escalated).toEqual([]);
    expect(m.published.filter((p) => p.type !== "Case Opened").map((p) => [p.type, p.level])).toEqual([
      ["Case Overdue", 1],
      ["Case Escalated", 1],
    ]);

    m.clock.now = new Date("2026-11-26T11:00:00Z");
    expect((await sweepOverdue(m.sweepPorts)).escalated).toEqual(["case-r-1"]);
    expect(m.cases.get("case-r-1")?.stored.escalationLevel).toBe(2);
    m.clock.now = new Date("2026-12-26T11:00:00Z");
    expect((await sweepOverdue(m.sweepPorts)).escalated).toEqual([]);
  });
});

describe("notifyCase", () => {
  const opened = openCase(record({}), "nps-detractor", config, new Date("2026-11-23T10:00:00Z"));

  it("sends on every channel of the contact, once each, retrying only the channel that failed", async () => {
    const m = memory();
    const slackSent: string[] = [];
    const emailSent: string[] = [];
    let slackFailures = 1;
    const ports = {
      deliveries: m.deliveryPorts,
      slack: {
        send: async (name: string) => {
          if (slackFailures-- > 0) throw new Error("HTTP 500");
          slackSent.push(name);
          return true;
        },
      },
      email: {
        send: async (to: string) => {
          emailSent.push(to);
        },
      },
      config,
      now: () => new Date(),
    };
    await expect(notifyCase(opened, { kind: "opened" }, ports)).rejects.toThrow(/slack: HTTP 500/);
    expect(emailSent).toEqual(["cx@example.com"]);
    expect(await notifyCase(opened, { kind: "opened" }, ports)).toEqual(["slack"]);
    expect(await notifyCase(opened, { kind: "opened" }, ports)).toEqual([]);
    expect(slackSent).toEqual(["cx"]);
    expect(emailSent).toEqual(["cx@example.com"]);
  });

  it("alerts the escalation level's contact", async () => {
    const m = memory();
    const emailSent: string[] = [];
    const ports = {
      deliveries: m.deliveryPorts,
      slack: { send: async () => true },
      email: { send: async (to: string) => void emailSent.push(to) },
      config,
      now: () => new Date(),
    };
    expect(await notifyCase(opened, { kind: "escalated", level: 1 }, ports)).toEqual(["email"]);
    expect(await notifyCase(opened, { kind: "escalated", level: 2 }, ports)).toEqual(["slack"]);
    expect(emailSent).toEqual(["lead@example.com"]);
  });
});

describe("alert content", () => {
  it("carries score, category, comment, customer value, SLA and a link, with HTML escaped", () => {
    const alert = alertFor(
      openCase(record({}), "nps-detractor", config, new Date("2026-11-23T10:00:00Z")),
      { kind: "opened" },
      config,
    );
    expect(alert?.slack.text).toBe("New normal-priority follow-up for cx-team: NPS 2/10 (detractor)");
    expect(JSON.stringify(alert?.slack.blocks)).toContain("Ada · smb · value 1,200 EUR");
    expect(JSON.stringify(alert?.slack.blocks)).toContain("https://cx.example.com/cases/case-r-1");
    expect(alert?.email.html).toContain("Waited &lt;b&gt;forever&lt;/b&gt;");
    expect(alert?.email.text).toContain("SLA due: Wed, 25 Nov 2026 10:00:00 GMT");
  });
});

describe("retention cases", () => {
  const atRisk = {
    schemaVersion: 1 as const,
    customerId: "acme",
    churnRisk: { score: 0.81, level: "high" as const, reasons: ["latest NPS 3 (detractor)", "renewal in 22 days"] },
    segment: "enterprise",
    annualValue: 200_000,
    owner: "kim",
    trigger: "response r-9",
    since: "2026-11-23T10:00:00.000Z",
  };

  it("opens one case per crossing, owned by the account manager, and alerts with the reasons", async () => {
    const m = memory();
    expect(await followUpAtRisk(atRisk, m.followUpPorts)).toBe("opened");
    expect(await followUpAtRisk(atRisk, m.followUpPorts)).toBe("already-open");
    const [opened] = [...m.cases.values()].map((entry) => entry.stored);
    expect(opened).toMatchObject({
      id: "retention-acme-2026-11-23T10:00:00.000Z",
      owner: "kim",
      priority: "high",
      rule: "churn-risk",
      response: null,
      churnRisk: { score: 0.81 },
      dueAt: "2026-11-24T10:00:00.000Z",
    });
    const alert = alertFor(opened as Case, { kind: "opened" }, config);
    expect(alert?.slack.text).toBe("New high-priority follow-up for kim: churn risk 0.81 (high)");
    expect(alert?.email.text).toContain("Comment: latest NPS 3 (detractor); renewal in 22 days");
  });
});
