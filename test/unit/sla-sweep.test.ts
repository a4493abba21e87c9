import { describe, expect, it } from "vitest";
import { followUp } from "../../lambdas/core/case-opening";
import { sweepOverdue } from "../../lambdas/core/sla-sweep";
import { event, memory, record } from "../support/cases";

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
