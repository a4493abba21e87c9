import {
  type ActionPlanInput,
  type ActionPlanPatch,
  type ActionPlanView,
  BASELINE_DAYS,
  isOpenPlan,
  MAX_PLAN_CASES,
  PLAN_TRANSITIONS,
  type PlanEffect,
  type PlanFilter,
  type PlanMetric,
  type PlanStatus,
  type PlanTrack,
  planTracks,
} from "../contracts/action-plans";
import type { Case } from "../contracts/cases";
import type { ActionPlanOffTrackDetail } from "../contracts/events";
import type { MetricsReport } from "../contracts/metrics";
import { addStats, type DayAggregate, emptyStats, type Stats } from "./aggregates";
import { ClientError, notFound, validationFailed } from "./client-error";
import type { AggregateReader } from "./drivers";
import { compareShares, type Interval } from "./intervals";
import { addDays, changeOf, computeMetrics, dayCount, round2, viewFor, type Window } from "./metrics";

/** A plan as stored: what was asked for, what happened to it, and the cases it was fed by. */
export interface ActionPlan {
  id: string;
  title: string;
  owner: string;
  description: string | null;
  theme: string | null;
  filter: PlanFilter | Record<string, never>;
  metric: PlanMetric;
  target: { value: number; by: string };
  startsAt: string;
  status: PlanStatus;
  notes: { at: string; by: string; text: string }[];
  history: { at: string; by: string; change: string }[];
  /** Linked cases with their root cause as of linking (a plan's own page reads them fresh). */
  cases: { id: string; rootCause: string | null }[];
  /** The day `Action Plan Off Track` went out for the current spell off track; null while it is not off track. */
  offTrackSince: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface ActionPlanStorePort {
  create(plan: ActionPlan): Promise<void>;
  get(id: string): Promise<ActionPlan | null>;
  list(): Promise<ActionPlan[]>;
  /** Replaces the plan if it is still at `plan.version - 1`; false when someone changed it since. */
  replace(plan: ActionPlan): Promise<boolean>;
}

export interface ActionPlanPorts {
  plans: ActionPlanStorePort;
  cases: { get(id: string): Promise<Case | null> };
  aggregates: AggregateReader;
  /** Today in the stage's metrics time zone. */
  today: () => string;
  now: () => Date;
  newId: () => string;
  minResponses: number;
}

/** How a plan's effect is measured: since it started (up to its target day), against the days just before it. */
export function effectWindows(plan: Pick<ActionPlan, "startsAt" | "target">, today: string) {
  const since: Window = { from: plan.startsAt, to: plan.target.by < today ? plan.target.by : today };
  const ran = since.to >= since.from ? dayCount(since) : 0;
  const length = Math.min(BASELINE_DAYS.max, Math.max(BASELINE_DAYS.min, ran));
  const baseline: Window = { from: addDays(plan.startsAt, -length), to: addDays(plan.startsAt, -1) };
  return { since, baseline, started: ran > 0 };
}

/** The share of the plan's time gone, 0 before it starts, 1 from its target day. */
export function elapsedShare(plan: Pick<ActionPlan, "startsAt" | "target">, today: string): number {
  if (today < plan.startsAt) return 0;
  const total = dayCount({ from: plan.startsAt, to: plan.target.by });
  const gone = dayCount({ from: plan.startsAt, to: today < plan.target.by ? today : plan.target.by });
  return Math.min(1, gone / total);
}

/** Where a plan stands: the metric's progress from its baseline toward the target, against the time gone. */
export function trackOf(input: {
  started: boolean;
  insufficient: boolean;
  baseline: number | null;
  current: number | null;
  target: number;
  elapsed: number;
}): { track: PlanTrack; progress: number | null } {
  const { baseline, current, target, elapsed } = input;
  if (!input.started) return { track: "not-started", progress: null };
  if (input.insufficient || baseline === null || current === null) return { track: "insufficient", progress: null };
  const needed = target - baseline;
  // A target the baseline already meets: reaching or holding it is all there is to do.
  const progress = needed === 0 ? (current >= target ? 1 : 0) : (current - baseline) / needed;
  const rounded = round2(progress);
  if (progress >= 1) return { track: "achieved", progress: rounded };
  if (progress >= elapsed) return { track: "on-track", progress: rounded };
  if (progress > 0) return { track: "behind", progress: rounded };
  return { track: "off-track", progress: rounded };
}

type MetricSet = Pick<MetricsReport, "nps" | "csat" | "ces">;
const NOT_STARTED = { score: null, responses: 0, ci95: null };
const NO_CHANGE = { points: null, ci95: null, pValue: null, significant: false, insufficient: true };
/** The plan's metric in a set of figures; CES on its first (default 1-7) scale. */
const scoreOf = (
  metric: PlanMetric,
  figures: MetricSet,
): { score: number | null; responses: number; ci95: Interval | null } =>
  metric === "nps" ? figures.nps : metric === "csat" ? figures.csat : (figures.ces[0] ?? NOT_STARTED);
const changeFor = (metric: PlanMetric, report: MetricsReport) =>
  (metric === "nps" ? report.change.nps : metric === "csat" ? report.change.csat : report.change.ces[0]) ?? NO_CHANGE;

/** Answers of the metric's type in `stats`, and how many of them are negative (detractor, below the top two boxes, not easy). */
function negativeAnswers(metric: PlanMetric, stats: Stats) {
  if (metric === "nps") return { responses: stats.nps.responses, negative: stats.nps.detractors };
  const byScale = Object.values(stats[metric]);
  const responses = byScale.reduce((sum, counts) => sum + counts.responses, 0);
  const top = byScale.reduce((sum, counts) => sum + counts.top, 0);
  return { responses, negative: responses - top };
}

/** A theme plan's leading indicator: the share of the metric's answers that are negative and mention the theme. */
function themeEffect(
  plan: ActionPlan,
  windows: { since: Window; baseline: Window },
  days: { totals: readonly DayAggregate[]; themes: readonly DayAggregate[] },
  minResponses: number,
): PlanEffect["theme"] {
  const theme = plan.theme;
  if (!theme) return null;
  const survey = "survey" in plan.filter ? plan.filter.survey : undefined;
  const within = (window: Window) => (day: DayAggregate) => day.day >= window.from && day.day <= window.to;
  const measure = (window: Window) => {
    const all = emptyStats();
    for (const day of days.totals.filter(within(window)))
      for (const cell of day.cells) if (survey === undefined || cell.key.survey === survey) addStats(all, cell.stats);
    const mentioning = emptyStats();
    for (const day of days.themes.filter(within(window)))
      for (const cell of day.themes)
        if (cell.theme === theme && (survey === undefined || cell.survey === survey)) addStats(mentioning, cell.stats);
    const { responses } = negativeAnswers(plan.metric, all);
    const { negative } = negativeAnswers(plan.metric, mentioning);
    return { negative, responses, percent: responses === 0 ? null : round2((100 * negative) / responses) };
  };
  const since = measure(windows.since);
  const baseline = measure(windows.baseline);
  const comparison =
    since.responses > 0 && baseline.responses > 0
      ? compareShares(
          { successes: since.negative, n: since.responses },
          { successes: baseline.negative, n: baseline.responses },
        )
      : null;
  return {
    theme,
    baseline,
    since,
    change: changeOf(
      { score: since.percent, responses: since.responses },
      { score: baseline.percent, responses: baseline.responses },
      comparison,
      minResponses,
    ),
  };
}

/** The metric before the plan and since, the change with its interval and test, and where that leaves the target. */
export async function planEffect(
  plan: ActionPlan,
  ports: Pick<ActionPlanPorts, "aggregates" | "today" | "minResponses">,
): Promise<PlanEffect> {
  const today = ports.today();
  const windows = effectWindows(plan, today);
  const { since, baseline, started } = windows;
  const filters = plan.filter as PlanFilter;
  const lastDay = started ? since.to : baseline.to;
  const view = viewFor(filters, null);
  const [days, themeDays, surveyDays] = await Promise.all([
    ports.aggregates.days(view, baseline.from, lastDay),
    plan.theme ? ports.aggregates.days("themes", baseline.from, lastDay) : Promise.resolve([]),
    plan.theme ? ports.aggregates.days("survey", baseline.from, lastDay) : Promise.resolve([]),
  ]);
  const report = computeMetrics({
    window: started ? since : { from: plan.startsAt, to: addDays(plan.startsAt, -1) },
    previousWindow: baseline,
    filters,
    groupBy: null,
    days,
    previousDays: days,
    minResponses: ports.minResponses,
  });
  const current = started ? scoreOf(plan.metric, report) : NOT_STARTED;
  const before = scoreOf(plan.metric, report.previous);
  const change = started ? changeFor(plan.metric, report) : NO_CHANGE;
  const elapsed = round2(elapsedShare(plan, today));
  const { track, progress } = trackOf({
    started,
    insufficient: change.insufficient,
    baseline: before.score,
    current: current.score,
    target: plan.target.value,
    elapsed,
  });
  const windowScore = (window: Window, metric: { score: number | null; responses: number; ci95: Interval | null }) => ({
    ...window,
    score: metric.score,
    responses: metric.responses,
    ci95: metric.ci95,
  });
  return {
    metric: plan.metric,
    baseline: windowScore(baseline, before),
    since: windowScore(since, current),
    change: {
      points: change.points,
      ci95: change.ci95,
      pValue: change.pValue,
      significant: change.significant,
      insufficient: change.insufficient,
    },
    theme: started ? themeEffect(plan, windows, { totals: surveyDays, themes: themeDays }, ports.minResponses) : null,
    target: { ...plan.target, progress, elapsed, track },
  };
}

function rootCauses(cases: readonly { rootCause: string | null }[]) {
  const counts = new Map<string, number>();
  for (const item of cases) if (item.rootCause) counts.set(item.rootCause, (counts.get(item.rootCause) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([rootCause, count]) => ({ rootCause, cases: count }));
}

/** The plan as the API shows it: stored fields, its linked cases' root causes and its effect as of today. */
export async function viewPlan(
  plan: ActionPlan,
  ports: Pick<ActionPlanPorts, "aggregates" | "today" | "minResponses">,
): Promise<ActionPlanView> {
  const { offTrackSince: _offTrackSince, cases, ...shown } = plan;
  return {
    ...shown,
    cases: cases.map((item) => item.id),
    rootCauses: rootCauses(cases),
    effect: await planEffect(plan, ports),
  };
}

const planNotFound = () => notFound("action plan");

export async function createPlan(input: ActionPlanInput, by: string, ports: ActionPlanPorts): Promise<ActionPlanView> {
  const at = ports.now().toISOString();
  const plan: ActionPlan = {
    id: `ap_${ports.newId()}`,
    title: input.title,
    owner: input.owner,
    description: input.description ?? null,
    theme: input.theme ?? null,
    filter: input.filter ?? {},
    metric: input.metric,
    target: input.target,
    startsAt: input.startsAt,
    status: input.status,
    notes: [],
    history: [{ at, by, change: `created (${input.status}), owned by ${input.owner}` }],
    cases: [],
    offTrackSince: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await ports.plans.create(plan);
  return viewPlan(plan, ports);
}

export async function showPlan(id: string, ports: ActionPlanPorts): Promise<ActionPlanView> {
  const plan = await ports.plans.get(id);
  if (!plan) throw planNotFound();
  // The root causes as the cases say now, not as they said when linked.
  const fresh = await Promise.all(
    plan.cases.map(async (item) => ({
      id: item.id,
      rootCause: (await ports.cases.get(item.id))?.rootCause ?? item.rootCause,
    })),
  );
  return viewPlan({ ...plan, cases: fresh }, ports);
}

export async function listPlans(
  query: { owner?: string; status?: PlanStatus },
  ports: ActionPlanPorts,
): Promise<{ items: ActionPlanView[] }> {
  const plans = (await ports.plans.list())
    .filter(
      (plan) =>
        (query.owner === undefined || plan.owner === query.owner) &&
        (query.status === undefined || plan.status === query.status),
    )
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  return { items: await Promise.all(plans.map((plan) => viewPlan(plan, ports))) };
}

/** For the huddle: per owner, open plans and how they track. */
export async function summarizePlans(ports: ActionPlanPorts) {
  const open = (await ports.plans.list()).filter((plan) => isOpenPlan(plan.status));
  const owners = new Map<string, Record<string, number>>();
  for (const plan of open) {
    const { track } = (await planEffect(plan, ports)).target;
    const line = owners.get(plan.owner) ?? { open: 0, ...Object.fromEntries(planTracks.map((name) => [name, 0])) };
    line.open = (line.open ?? 0) + 1;
    line[track] = (line[track] ?? 0) + 1;
    owners.set(plan.owner, line);
  }
  return {
    owners: [...owners.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([owner, counts]) => ({ owner, ...counts }) as { owner: string; open: number } & Record<PlanTrack, number>),
  };
}

/** Applies a change with optimistic concurrency: a concurrent change makes it read the plan again and retry. */
async function changePlan(
  id: string,
  ports: ActionPlanPorts,
  change: (plan: ActionPlan, at: string) => ActionPlan | null,
): Promise<ActionPlan> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const plan = await ports.plans.get(id);
    if (!plan) throw planNotFound();
    const at = ports.now().toISOString();
    const changed = change(plan, at);
    if (!changed) return plan;
    if (await ports.plans.replace({ ...changed, updatedAt: at, version: plan.version + 1 }))
      return { ...changed, updatedAt: at, version: plan.version + 1 };
  }
  throw new ClientError("conflict", "the plan kept changing while this change was applied; send it again");
}

export async function updatePlan(
  id: string,
  patch: ActionPlanPatch,
  by: string,
  ports: ActionPlanPorts,
): Promise<ActionPlanView> {
  const updated = await changePlan(id, ports, (plan, at) => {
    const history = [...plan.history];
    const next = { ...plan };
    if (patch.status !== undefined && patch.status !== plan.status) {
      if (!PLAN_TRANSITIONS[plan.status].includes(patch.status))
        throw new ClientError("conflict", `a plan cannot go from ${plan.status} to ${patch.status}`, [
          {
            path: "status",
            message: `from ${plan.status}: ${PLAN_TRANSITIONS[plan.status].join(", ") || "nowhere (final)"}`,
          },
        ]);
      history.push({ at, by, change: `status ${plan.status} → ${patch.status}` });
      next.status = patch.status;
    }
    if (patch.owner !== undefined && patch.owner !== plan.owner) {
      history.push({ at, by, change: `owner ${plan.owner} → ${patch.owner}` });
      next.owner = patch.owner;
    }
    if (patch.title !== undefined && patch.title !== plan.title) {
      history.push({ at, by, change: "title changed" });
      next.title = patch.title;
    }
    if (patch.target !== undefined) {
      if (patch.target.by <= plan.startsAt)
        throw validationFailed([{ path: "target.by", message: "must be after startsAt" }]);
      if (plan.metric !== "nps" && patch.target.value < 0)
        throw validationFailed([{ path: "target.value", message: "a CSAT or CES score is 0 to 100" }]);
      history.push({
        at,
        by,
        change: `target ${plan.target.value} by ${plan.target.by} → ${patch.target.value} by ${patch.target.by}`,
      });
      next.target = patch.target;
    }
    if (patch.note !== undefined) next.notes = [...plan.notes, { at, by, text: patch.note }];
    next.history = history;
    return next;
  });
  return viewPlan(updated, ports);
}

export async function linkCase(
  id: string,
  caseId: string,
  by: string,
  ports: ActionPlanPorts,
): Promise<ActionPlanView> {
  const linked = await ports.cases.get(caseId);
  if (!linked) throw notFound("case");
  const updated = await changePlan(id, ports, (plan, at) => {
    if (plan.cases.some((item) => item.id === caseId)) return null;
    if (plan.cases.length >= MAX_PLAN_CASES)
      throw new ClientError("conflict", `the plan already lists ${MAX_PLAN_CASES} cases`);
    return {
      ...plan,
      cases: [...plan.cases, { id: caseId, rootCause: linked.rootCause }],
      history: [...plan.history, { at, by, change: `case ${caseId} linked` }],
    };
  });
  return viewPlan(updated, ports);
}

/** Past half its time, an active plan whose metric has not moved toward its target is off track. */
export const OFF_TRACK_FROM_ELAPSED = 0.5;

export interface PlanReviewPorts extends ActionPlanPorts {
  events: { actionPlanOffTrack(detail: ActionPlanOffTrackDetail): Promise<void> };
}

/**
 * The daily review: `Action Plan Off Track` once per spell off track (the plan remembers the day it went out, so a
 * rerun or a retry publishes nothing twice; back on track clears it, so a later spell is announced again).
 */
export async function reviewPlans(ports: PlanReviewPorts): Promise<{ reviewed: number; offTrack: string[] }> {
  const today = ports.today();
  const active = (await ports.plans.list()).filter((plan) => plan.status === "active");
  const offTrack: string[] = [];
  for (const plan of active) {
    const effect = await planEffect(plan, ports);
    const isOff = effect.target.track === "off-track" && effect.target.elapsed >= OFF_TRACK_FROM_ELAPSED;
    if (isOff && plan.offTrackSince === null) {
      // Published before the mark: a crash in between publishes again on the retry (at least once), never not at all.
      await ports.events.actionPlanOffTrack({
        schemaVersion: 1,
        plan: {
          id: plan.id,
          title: plan.title,
          owner: plan.owner,
          metric: plan.metric,
          theme: plan.theme,
          target: plan.target,
          startsAt: plan.startsAt,
        },
        effect: {
          baseline: effect.baseline.score,
          current: effect.since.score,
          progress: effect.target.progress,
          elapsed: effect.target.elapsed,
        },
        since: today,
      });
      await changePlan(plan.id, ports, (current, at) =>
        current.offTrackSince === null
          ? {
              ...current,
              offTrackSince: today,
              history: [...current.history, { at, by: "cxloop", change: "off track: Action Plan Off Track published" }],
            }
          : null,
      );
      offTrack.push(plan.id);
    } else if (!isOff && plan.offTrackSince !== null) {
      await changePlan(plan.id, ports, (current) =>
        current.offTrackSince === null ? null : { ...current, offTrackSince: null },
      );
    }
  }
  return { reviewed: active.length, offTrack };
}
