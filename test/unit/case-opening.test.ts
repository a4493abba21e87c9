import { describe, expect, it } from "vitest";
import type { Case } from "../../lambdas/contracts/cases";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { alertFor } from "../../lambdas/core/alerts";
import { followUp, followUpAtRisk, matchingRule } from "../../lambdas/core/case-opening";
import { config, event, memory, record } from "../support/cases";

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

  it("opens no second retention case while the customer's first is being worked, and a new one once it is closed", async () => {
    const m = memory();
    expect(await followUpAtRisk(atRisk, m.followUpPorts)).toBe("opened");
    const again = { ...atRisk, since: "2026-11-23T10:05:00.000Z" };
    expect(await followUpAtRisk(again, m.followUpPorts)).toBe("already-open");
    expect(m.cases.size).toBe(1);
    const first = m.cases.get("retention-acme-2026-11-23T10:00:00.000Z");
    if (first) first.stored = { ...first.stored, status: "resolved" };
    expect(await followUpAtRisk(again, m.followUpPorts)).toBe("opened");
    expect(m.cases.size).toBe(2);
  });

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
    const alert = alertFor(opened as Case, { kind: "opened" }, config, "Acme Corp");
    expect(alert?.slack.text).toBe("New high-priority follow-up for kim: churn risk 0.81 (high)");
    expect(alert?.email.text).toContain("Customer: Acme Corp");
    expect(alert?.email.text).toContain("Comment: latest NPS 3 (detractor); renewal in 22 days");
  });
});
