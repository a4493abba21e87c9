import { describe, expect, it } from "vitest";
import type { Case } from "../../lambdas/contracts/cases";
import { type FollowUpConfig, followUpConfigSchema } from "../../lambdas/contracts/follow-up-config";
import { caseStats } from "../../lambdas/core/case-stats";
import {
  applyPatch,
  escalate,
  escalationDue,
  openCase,
  priorityFor,
  routeOwner,
  slaDue,
} from "../../lambdas/core/cases";
import { responseRecord } from "../support/responses";

const config: FollowUpConfig = followUpConfigSchema.parse({
  routing: [
    { when: { segment: ["enterprise"], minAnnualValue: 100_000 }, owner: "key-accounts" },
    { when: { touchpoint: ["delivery"] }, owner: "logistics" },
    { when: { survey: ["support-follow-up"], channel: ["support"] }, owner: "support-leads" },
  ],
  escalation: [{ name: "Team lead" }, { name: "Head of CX" }],
});
const now = new Date("2026-11-23T10:00:00.000Z");

const customer = (segment: string, annualValue: number | null) => ({
  id: "c",
  segment,
  plan: null,
  annualValue,
  currency: "EUR",
  renewalDate: null,
});

describe("routing", () => {
  it("takes the first matching rule, else the default owner", () => {
    expect(
      routeOwner(responseRecord({ customer: customer("enterprise", 200_000), touchpoint: "delivery" }), "x", config),
    ).toBe("key-accounts");
    expect(
      routeOwner(responseRecord({ customer: customer("enterprise", 20_000), touchpoint: "delivery" }), "x", config),
    ).toBe("logistics");
    expect(routeOwner(responseRecord({ survey: "support-follow-up", channel: "support" }), "x", config)).toBe(
      "support-leads",
    );
    expect(routeOwner(responseRecord({ survey: "support-follow-up", channel: "email" }), "x", config)).toBe("cx-team");
  });
});

describe("priority and SLA", () => {
  it("derives priority from customer value", () => {
    expect(priorityFor(50_000, config)).toBe("high");
    expect(priorityFor(49_999, config)).toBe("normal");
    expect(priorityFor(999, config)).toBe("low");
    expect(priorityFor(null, config)).toBe("normal");
  });

  it("gives 48 h by default and 24 h to high-value customers", () => {
    expect(openCase(responseRecord(), "nps-detractor", config, now).dueAt).toBe("2026-11-25T10:00:00.000Z");
    const vip = openCase(responseRecord({ customer: customer("smb", 80_000) }), "nps-detractor", config, now);
    expect(vip).toMatchObject({ priority: "high", dueAt: "2026-11-24T10:00:00.000Z" });
  });

  it("counts only business hours when a calendar is set", () => {
    const calendar = { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 };
    // Friday 15:00 + 4 business hours → Monday 11:00.
    expect(slaDue(new Date("2026-11-27T15:00:00Z"), 4, calendar).toISOString()).toBe("2026-11-30T11:00:00.000Z");
    // Saturday: the clock starts Monday 09:00.
    expect(slaDue(new Date("2026-11-28T12:00:00Z"), 8, calendar).toISOString()).toBe("2026-11-30T17:00:00.000Z");
  });
});

describe("opening", () => {
  it("keeps a snapshot of the response and starts the history", () => {
    const opened = openCase(responseRecord({ customer: customer("smb", 5_000) }), "nps-detractor", config, now);
    expect(opened).toMatchObject({
      id: "case-r-1",
      responseId: "r-1",
      customerId: "c",
      status: "open",
      owner: "cx-team",
      escalationLevel: 0,
      rule: "nps-detractor",
      response: { id: "r-1", score: 3 },
      version: 1,
    });
    expect(opened.history).toEqual([
      { at: now.toISOString(), by: "cxloop", change: "opened by rule nps-detractor; owner cx-team; priority normal" },
    ]);
  });
});

describe("lifecycle", () => {
  const opened = openCase(responseRecord(), "nps-detractor", config, now);
  const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000);

  it("moves open → contacted → resolved, recording who and when", () => {
    const contacted = applyPatch(opened, { status: "contacted", note: "Called, apologised" }, "ana", later(2));
    expect(contacted).toMatchObject({ ok: true, closed: false, case: { status: "contacted", version: 2 } });
    if (!contacted.ok) throw new Error("expected ok");
    expect(contacted.case.firstContactAt).toBe(later(2).toISOString());
    expect(contacted.case.history.slice(1)).toEqual([
      { at: later(2).toISOString(), by: "ana", change: "status open → contacted" },
      { at: later(2).toISOString(), by: "ana", change: "note added" },
    ]);
    const resolved = applyPatch(contacted.case, { status: "resolved", rootCause: "courier delay" }, "ana", later(5));
    expect(resolved).toMatchObject({
      ok: true,
      closed: true,
      case: { status: "resolved", rootCause: "courier delay" },
    });
  });

  it.each([
    ["open", "resolved"],
    ["resolved", "open"],
    ["closed-no-contact", "contacted"],
  ] as const)("refuses %s → %s", (from, to) => {
    const outcome = applyPatch({ ...opened, status: from }, { status: to }, "ana", later(1));
    expect(outcome.ok).toBe(false);
  });

  it("allows closing without contact and treats a repeated status as no change", () => {
    expect(applyPatch(opened, { status: "closed-no-contact" }, "ana", later(1))).toMatchObject({ closed: true });
    expect(applyPatch(opened, { status: "open" }, "ana", later(1))).toMatchObject({ ok: true, changes: [] });
  });
});

describe("escalation", () => {
  const opened = openCase(responseRecord(), "nps-detractor", config, now);
  const at = (hoursAfterDue: number) => new Date(new Date(opened.dueAt).getTime() + hoursAfterDue * 3_600_000);

  it("escalates one level once overdue, the next after the interval, never past the last contact", () => {
    expect(escalationDue(opened, config, at(-1))).toBeNull();
    expect(escalationDue(opened, config, at(1))).toBe(1);
    const level1 = escalate(opened, 1, at(1));
    expect(escalationDue(level1, config, at(2))).toBeNull();
    expect(escalationDue(level1, config, at(25))).toBe(2);
    expect(escalationDue(escalate(level1, 2, at(25)), config, at(200))).toBeNull();
  });

  it("never escalates closed cases", () => {
    expect(escalationDue({ ...opened, status: "resolved" }, config, at(5))).toBeNull();
  });
});

describe("loop health", () => {
  it("computes time to first contact, share closed within SLA, and open/overdue per owner", () => {
    const base = openCase(responseRecord(), "nps-detractor", config, now);
    const cases: Case[] = [
      {
        ...base,
        id: "a",
        status: "resolved",
        firstContactAt: "2026-11-23T12:00:00.000Z",
        closedAt: "2026-11-24T10:00:00.000Z",
      },
      { ...base, id: "b", status: "closed-no-contact", closedAt: "2026-11-26T10:00:00.000Z" },
      { ...base, id: "c", status: "contacted", owner: "logistics", firstContactAt: "2026-11-23T16:00:00.000Z" },
      { ...base, id: "d", owner: "logistics", dueAt: "2026-11-23T11:00:00.000Z" },
    ];
    expect(caseStats(cases, new Date("2026-11-23T12:00:00Z"))).toEqual({
      cases: 4,
      open: 2,
      overdue: 1,
      closedWithinSla: { closed: 2, withinSla: 1, percent: 50 },
      timeToFirstContactHours: { contacted: 2, median: 4, mean: 4 },
      byOwner: [{ owner: "logistics", open: 2, overdue: 1 }],
    });
  });
});
