import { describe, expect, it } from "vitest";
import type { ActionPlanOffTrackDetail } from "../../lambdas/contracts/events";
import {
  type ActionPlan,
  createPlan,
  effectWindows,
  elapsedShare,
  type PlanReviewPorts,
  reviewPlans,
  trackOf,
  updatePlan,
} from "../../lambdas/core/action-plans";
import { aggregateDay, type DayAggregate, type RollupResponse } from "../../lambdas/core/aggregates";
import { rollupResponse } from "../support/responses";

describe("effect windows", () => {
  it("measures since the start up to today or the target day, against at least 28 and at most 90 days before", () => {
    const plan = { startsAt: "2026-11-01", target: { value: 40, by: "2026-12-31" } };
    expect(effectWindows(plan, "2026-11-10")).toEqual({
      since: { from: "2026-11-01", to: "2026-11-10" },
      baseline: { from: "2026-10-04", to: "2026-10-31" },
      started: true,
    });
    // 61 days run: the baseline is as long.
    expect(effectWindows(plan, "2027-02-01").since.to).toBe("2026-12-31");
    expect(effectWindows(plan, "2027-02-01").baseline.from).toBe("2026-09-01");
    expect(effectWindows({ ...plan, target: { value: 40, by: "2027-12-31" } }, "2027-06-01").baseline.from).toBe(
      "2026-08-03",
    );
    expect(effectWindows(plan, "2026-10-20").started).toBe(false);
  });

  it("counts the share of the plan's time gone, from 0 before it starts to 1 from its target day", () => {
    const plan = { startsAt: "2026-11-01", target: { value: 40, by: "2026-11-10" } };
    expect(elapsedShare(plan, "2026-10-31")).toBe(0);
    expect(elapsedShare(plan, "2026-11-05")).toBe(0.5);
    expect(elapsedShare(plan, "2026-12-01")).toBe(1);
  });
});

describe("tracking a plan against its target", () => {
  const base = { started: true, insufficient: false, baseline: 20, target: 60 };
  it.each([
    [{ current: 70, elapsed: 0.2 }, "achieved", 1.25],
    [{ current: 40, elapsed: 0.5 }, "on-track", 0.5],
    [{ current: 30, elapsed: 0.5 }, "behind", 0.25],
    [{ current: 20, elapsed: 0.5 }, "off-track", 0],
    [{ current: 10, elapsed: 0.9 }, "off-track", -0.25],
  ])("%o is %s", (given, track, progress) => {
    expect(trackOf({ ...base, ...given })).toEqual({ track, progress });
  });

  it("works for a target below the baseline (a share that should fall)", () => {
    expect(trackOf({ ...base, baseline: 40, target: 10, current: 25, elapsed: 0.5 })).toEqual({
      track: "on-track",
      progress: 0.5,
    });
  });

  it("says nothing before the start or on too few answers", () => {
    expect(trackOf({ ...base, started: false, current: 90, elapsed: 0 }).track).toBe("not-started");
    expect(trackOf({ ...base, insufficient: true, current: 90, elapsed: 0.5 }).track).toBe("insufficient");
  });
});

/** NPS answers per day: `promoters` 10s and `detractors` 0s. */
const npsDay = (day: string, promoters: number, detractors: number): DayAggregate => {
  const responses: RollupResponse[] = [];
  for (let i = 0; i < promoters + detractors; i++)
    responses.push(
      rollupResponse({
        id: `${day}-${i}`,
        type: "nps",
        score: i < promoters ? 10 : 0,
        submittedAt: `${day}T10:00:00Z`,
      }),
    );
  return aggregateDay(day, responses);
};

function memoryPorts(days: DayAggregate[], today: string) {
  const plans = new Map<string, ActionPlan>();
  const published: ActionPlanOffTrackDetail[] = [];
  let failPublishes = 0;
  let next = 0;
  const ports: PlanReviewPorts = {
    plans: {
      create: async (plan) => {
        plans.set(plan.id, structuredClone(plan));
      },
      get: async (id) => structuredClone(plans.get(id) ?? null),
      list: async () => [...plans.values()].map((plan) => structuredClone(plan)),
      replace: async (plan) => {
        if (plans.get(plan.id)?.version !== plan.version - 1) return false;
        plans.set(plan.id, structuredClone(plan));
        return true;
      },
    },
    cases: { get: async () => null },
    aggregates: { days: async (_view, from, to) => days.filter((day) => day.day >= from && day.day <= to) },
    today: () => today,
    now: () => new Date(`${today}T07:00:00Z`),
    newId: () => `01J${String(next++).padStart(23, "0")}`,
    minResponses: 30,
    events: {
      actionPlanOffTrack: async (detail) => {
        if (failPublishes > 0) {
          failPublishes--;
          throw new Error("PutEvents failed");
        }
        published.push(detail);
      },
    },
  };
  const failNextPublish = () => {
    failPublishes = 1;
  };
  return { ports, plans, published, failNextPublish };
}

const input = {
  title: "Check in with every account",
  owner: "cx-team",
  filter: { survey: "post-purchase" },
  metric: "nps" as const,
  target: { value: 50, by: "2026-11-20" },
  startsAt: "2026-11-01",
  status: "active" as const,
};
// 20 promoters and 20 detractors a day before and since: NPS 0 throughout.
const flat = [
  ...Array.from({ length: 28 }, (_, i) => npsDay(`2026-10-${String(4 + i).padStart(2, "0")}`, 1, 1)),
  ...Array.from({ length: 14 }, (_, i) => npsDay(`2026-11-${String(1 + i).padStart(2, "0")}`, 3, 3)),
];

describe("the daily review", () => {
  it("publishes Action Plan Off Track once per spell, again after a failed publish, never before half time", async () => {
    const early = memoryPorts(flat, "2026-11-05");
    await createPlan(input, "ana", early.ports);
    expect(await reviewPlans(early.ports)).toEqual({ reviewed: 1, offTrack: [] });

    const m = memoryPorts(flat, "2026-11-14");
    const plan = await createPlan(input, "ana", m.ports);
    m.failNextPublish();
    await expect(reviewPlans(m.ports)).rejects.toThrow("PutEvents failed");
    expect(m.plans.get(plan.id)?.offTrackSince).toBeNull();
    expect(await reviewPlans(m.ports)).toEqual({ reviewed: 1, offTrack: [plan.id] });
    expect(await reviewPlans(m.ports)).toEqual({ reviewed: 1, offTrack: [] });
    expect(m.published).toHaveLength(1);
    expect(m.published[0]).toMatchObject({ plan: { id: plan.id }, effect: { baseline: 0, current: 0, progress: 0 } });
  });

  it("skips plans that are not active, and keeps status moves to the allowed ones", async () => {
    const m = memoryPorts(flat, "2026-11-14");
    const plan = await createPlan({ ...input, status: "planned" }, "ana", m.ports);
    expect(await reviewPlans(m.ports)).toEqual({ reviewed: 0, offTrack: [] });
    await expect(updatePlan(plan.id, { status: "done" }, "ana", m.ports)).rejects.toMatchObject({ code: "conflict" });
    const dropped = await updatePlan(plan.id, { status: "dropped", owner: "ops" }, "ben", m.ports);
    expect(dropped.history.map((entry) => [entry.by, entry.change])).toEqual([
      ["ana", "created (planned), owned by cx-team"],
      ["ben", "status planned → dropped"],
      ["ben", "owner cx-team → ops"],
    ]);
  });
});
