import type { KnownBlock } from "@slack/types";
import type { PlanEffect } from "../contracts/action-plans";
import type { Case } from "../contracts/cases";
import type { MetricsComputedDetail } from "../contracts/events";
import type { Contact } from "../contracts/follow-up-config";
import type { Drivers, MetricsReport } from "../contracts/metrics";
import type { Category, Sentiment } from "../contracts/record";
import type { EmailMessage, SlackMessage } from "./alerts";
import { dayOf } from "./calendar";
import { npsTrendSvg } from "./chart";
import { type Channel, type DeliveryPorts, deliverOnce } from "./delivery-log";
import { type DriverLine, digestEmailHtml, type Tile, type Tone } from "./digest-email";
import { type AggregateReader, computeDrivers, daysForDrivers } from "./drivers";
import { escapeSlack } from "./escape";
import { addDays, computeMetrics, periodKey, type Window } from "./metrics";
import { type AtRiskCustomer, revenueAtRisk } from "./revenue-at-risk";

const TREND_WEEKS = 12;
const TOP_DRIVERS = 3;
const EXCERPT = 200;

/** The last full ISO week (Monday to Sunday, in the time zone) before `now`, the week before it, and the 12 weeks ending with it. */
export function digestWindows(now: Date, timeZone?: string): { week: Window; previous: Window; trend: Window } {
  const monday = periodKey(dayOf(now, timeZone), "week");
  const week = { from: addDays(monday, -7), to: addDays(monday, -1) };
  return {
    week,
    previous: { from: addDays(week.from, -7), to: addDays(week.from, -1) },
    trend: { from: addDays(monday, -7 * TREND_WEEKS), to: week.to },
  };
}

/** What the digest may quote of a driver's example response. */
export interface ExampleResponse {
  comment: string | null;
  sentiment: Sentiment | null;
  category: Category | null;
}

const NEGATIVE_CATEGORIES: ReadonlySet<Category> = new Set(["detractor", "dissatisfied", "hard"]);

/**
 * A driver's example is its most negative mention, which can still be a glowing comment when every
 * mention was positive: quoted under "negative drivers" it would say the opposite of the score. So a
 * quote must read negative, or come from a detractor / dissatisfied / hard answer whose text is not positive.
 */
export function isNegativeExample(example: ExampleResponse): boolean {
  if (!example.comment) return false;
  if (example.sentiment?.label === "negative") return true;
  return (
    example.category !== null && NEGATIVE_CATEGORIES.has(example.category) && example.sentiment?.label !== "positive"
  );
}

export interface DigestContent {
  metrics: MetricsReport;
  trend: MetricsReport;
  drivers: Drivers;
  /** Drivers' example responses by id (null when erased; comment null past retention). */
  examples: ReadonlyMap<string, ExampleResponse | null>;
  overdue: readonly Case[];
  revenue: ReturnType<typeof revenueAtRisk>;
  /** The open action plans (planned or active), with their effect as of today. */
  plans: readonly { title: string; owner: string; effect: PlanEffect }[];
  /** The console's base URL, where the digest's reader goes next; null when no console is deployed. */
  consoleUrl: string | null;
}

/** The trend chart: PNG bytes for the email, and a URL Slack can fetch it from (null when there is none). */
export interface DigestChart {
  png: Uint8Array;
  url: string | null;
}

export const CHART_CID = "nps-trend@cxloop";
const CHART_WIDTH = 600;
const CHART_HEIGHT = 220;

interface Change {
  points: number | null;
  pValue: number | null;
  significant: boolean;
  insufficient: boolean;
}
/**
 * Below the stage's minimum n the statistics flag a metric or its change `insufficient` (and never
 * `significant`); read with `in` so the digest works with reports from before the flag existed.
 */
const insufficient = (value: object) => "insufficient" in value && value.insufficient === true;

const signed = (n: number | null) => (n === null ? "n/a" : `${n > 0 ? "+" : ""}${n}`);
const excerpt = (text: string) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text);
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const money = (total: number, currency: string) =>
  `${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(total)} ${currency}`;

/** What a change means to a reader: higher is better for NPS, CSAT (% satisfied) and CES (% easy). */
function describeChange(metric: object, change: Change): { text: string; tone: Tone } {
  if (insufficient(metric) || insufficient(change)) return { text: "too few answers", tone: "insufficient" };
  if (change.points === null) return { text: "no earlier data", tone: "none" };
  if (!change.significant) return { text: `${signed(change.points)}, within noise`, tone: "noise" };
  return { text: `${signed(change.points)}, significant`, tone: change.points >= 0 ? "better" : "worse" };
}

const NO_CHANGE: Change = { points: null, pValue: null, significant: false, insufficient: false };

const TRACK_WORDS: Record<PlanEffect["target"]["track"], string> = {
  "not-started": "not started",
  insufficient: "too few answers to track",
  achieved: "target reached",
  "on-track": "on track",
  behind: "behind",
  "off-track": "off track",
};

/** One plan in words: its metric before and since, whether the change is real, and how it tracks. */
export function planLine(plan: { title: string; effect: PlanEffect }): string {
  const { effect } = plan;
  const metric = effect.metric.toUpperCase();
  const score = (value: number | null) => (value === null ? "n/a" : String(value));
  const change = effect.change.insufficient
    ? "too few answers"
    : effect.change.points === null
      ? "no change yet"
      : `${signed(effect.change.points)}, ${effect.change.significant ? "significant" : "within noise"}`;
  return `${plan.title}: ${metric} ${score(effect.baseline.score)} → ${score(effect.since.score)} (${change}); target ${effect.target.value} by ${effect.target.by}, ${TRACK_WORDS[effect.target.track]}`;
}

/** What the digest says, once, for Slack, email and the `Metrics Computed` event. */
export async function buildDigest(
  content: DigestContent,
  chart: DigestChart,
): Promise<{
  summary: Omit<MetricsComputedDetail, "schemaVersion">;
  slack: SlackMessage;
  email: EmailMessage;
}> {
  const { metrics, trend, drivers, examples, overdue, revenue } = content;
  const planRows = [...content.plans]
    .sort((a, b) => a.owner.localeCompare(b.owner) || a.title.localeCompare(b.title))
    .map((plan) => ({ owner: plan.owner, line: planLine(plan) }));
  const noPlans = "No open action plans.";
  const planLines = planRows.length === 0 ? [noPlans] : planRows.map((row) => `${row.owner}: ${row.line}`);
  const base = content.consoleUrl?.replace(/\/$/, "") ?? null;
  const links = base ? { overview: `${base}/`, drivers: `${base}/drivers`, cases: `${base}/cases` } : null;
  const negative = drivers.drivers
    .filter((driver) => driver.impact !== null && driver.impact < 0)
    .slice(0, TOP_DRIVERS);
  const ces = metrics.ces.filter((entry) => entry.responses > 0 || entry.scale === "1-7");
  const cesChange = (scale: string) => metrics.change.ces.find((c) => c.scale === scale) ?? NO_CHANGE;
  const headline = `cxloop weekly digest, ${metrics.from} to ${metrics.to}`;
  const scores = [
    { label: "NPS", value: metrics.nps.score, unit: "", metric: metrics.nps, change: metrics.change.nps, text: "" },
    {
      label: "CSAT",
      value: metrics.csat.score,
      unit: "%",
      metric: metrics.csat,
      change: metrics.change.csat,
      text: " satisfied",
    },
    ...ces.map((entry) => ({
      label: ces.length > 1 ? `CES ${entry.scale}` : "CES",
      value: entry.score,
      unit: "%",
      metric: entry,
      change: cesChange(entry.scale),
      text: " easy",
    })),
  ].map((score) => ({ ...score, described: describeChange(score.metric, score.change) }));
  const tiles: Tile[] = scores.map((score) => ({
    label: score.label,
    value: score.value === null ? "n/a" : `${score.value}${score.unit}`,
    responses: score.metric.responses,
    change: score.described.text,
    tone: score.described.tone,
  }));
  const scoreLines = scores.map(
    (score) =>
      `${score.label} ${score.value ?? "n/a"}${score.value === null ? "" : `${score.unit}${score.text}`} (n=${score.metric.responses}), change ${score.described.text}`,
  );
  const driverLines: DriverLine[] = negative.map((driver) => {
    const example = driver.exampleResponseId ? examples.get(driver.exampleResponseId) : null;
    return {
      theme: driver.theme,
      detail: `${signed(driver.impact)} ${drivers.metric?.toUpperCase() ?? ""} points, ${count(driver.mentions, "mention")}, ${count(driver.customers, "customer")}`,
      quote: example && isNegativeExample(example) ? excerpt(example.comment as string) : null,
    };
  });
  const owners = new Map<string, number>();
  for (const item of overdue) owners.set(item.owner, (owners.get(item.owner) ?? 0) + 1);
  const overdueRows = [...owners.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([owner, cases]) => ({ owner, cases }));
  const overdueSummary = overdue.length === 0 ? "No overdue cases." : `${count(overdue.length, "overdue case")}`;
  const overdueLine =
    overdue.length === 0
      ? overdueSummary
      : `${overdueSummary}: ${overdueRows.map((row) => `${row.owner} ${row.cases}`).join(", ")}`;
  const without = revenue.customersWithoutValue;
  const revenueText =
    revenue.revenueAtRisk.length === 0
      ? `0 (${count(revenue.customersAtRisk, "customer")} at risk${without ? `, ${without} without a known value` : ""})`
      : `${revenue.revenueAtRisk.map((entry) => money(entry.total, entry.currency)).join(" + ")} across ${count(revenue.customersAtRisk, "customer")}${without ? ` (${without} without a known value count 0)` : ""}`;
  const revenueLine = `Revenue at risk: ${revenueText}`;
  const noDrivers = "No theme pulled the score down this week.";
  const driverTitle = (line: DriverLine) => `${line.theme}: ${line.detail}`;
  const chartAlt = `NPS by week, ${trend.from} to ${trend.to}`;

  const text = [
    headline,
    "",
    ...scoreLines,
    "",
    "Top negative drivers:",
    ...(driverLines.length === 0
      ? [noDrivers]
      : driverLines.map(
          (line, index) => `${index + 1}. ${driverTitle(line)}${line.quote ? `\n   "${line.quote}"` : ""}`,
        )),
    "",
    "Action plans:",
    ...planLines,
    "",
    overdueLine,
    revenueLine,
    ...(links ? ["", `Overview: ${links.overview}`, `Drivers: ${links.drivers}`, `Cases: ${links.cases}`] : []),
  ].join("\n");
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: headline } },
    { type: "section", text: { type: "mrkdwn", text: escapeSlack(scoreLines.map((line) => `• ${line}`).join("\n")) } },
    ...(chart.url ? [{ type: "image" as const, image_url: chart.url, alt_text: chartAlt }] : []),
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*Top negative drivers*\n${
          driverLines.length === 0
            ? noDrivers
            : driverLines
                .map(
                  (line, index) =>
                    `${index + 1}. ${escapeSlack(driverTitle(line))}${line.quote ? `\n> ${escapeSlack(line.quote).replace(/\n/g, "\n> ")}` : ""}`,
                )
                .join("\n")
        }`,
      },
    },
    {
      type: "section",
      text: { type: "mrkdwn", text: `*Action plans*\n${planLines.map((line) => `• ${escapeSlack(line)}`).join("\n")}` },
    },
    { type: "section", text: { type: "mrkdwn", text: escapeSlack(`${overdueLine}\n${revenueLine}`) } },
    ...(links
      ? [
          {
            type: "section" as const,
            text: { type: "mrkdwn" as const, text: `<${links.overview}|Open the overview in cxloop>` },
          },
        ]
      : []),
  ];
  const html = await digestEmailHtml({
    headline,
    period: `${metrics.from} to ${metrics.to}`,
    tiles,
    chart: { cid: CHART_CID, alt: chartAlt, width: CHART_WIDTH, height: CHART_HEIGHT },
    drivers: driverLines,
    noDrivers,
    overdue: overdueRows,
    overdueSummary,
    plans: planRows,
    noPlans,
    revenue: revenueText,
    links,
  });

  const score = (value: { score: number | null; responses: number }, change: Change) => ({
    score: value.score,
    responses: value.responses,
    change: change.points,
    pValue: change.pValue,
    significant: change.significant,
    insufficient: change.insufficient,
  });
  return {
    summary: {
      period: { from: metrics.from, to: metrics.to },
      nps: score(metrics.nps, metrics.change.nps),
      csat: score(metrics.csat, metrics.change.csat),
      ces: ces.map((entry) => ({ scale: entry.scale, ...score(entry, cesChange(entry.scale)) })),
      topNegativeDrivers: negative.map(({ theme, impact, mentions }) => ({ theme, impact, mentions })),
      overdueCases: overdue.length,
      revenueAtRisk: revenue.revenueAtRisk.map(({ currency, total }) => ({ currency, total })),
    },
    slack: { text: headline, blocks },
    email: {
      subject: `[cxloop] ${headline}`,
      text,
      html,
      inlineImages: [{ cid: CHART_CID, filename: "nps-trend.png", contentType: "image/png", content: chart.png }],
    },
  };
}

export interface DigestPorts extends DeliveryPorts {
  aggregates: AggregateReader;
  responses: { example(id: string): Promise<ExampleResponse | null> };
  charts: {
    /** The SVG as PNG: mail clients strip inline SVG, and Slack shows only raster images. */
    render(svg: string): Promise<Uint8Array>;
    /** Puts the PNG where Slack can fetch it and returns that URL; null when there is nowhere to put it. */
    publish: ((name: string, png: Uint8Array) => Promise<string>) | null;
  };
  cases: { activeDueBefore(at: Date): Promise<Case[]> };
  customers: { atRisk(): Promise<AtRiskCustomer[]> };
  /** The open action plans with their effect, listed per owner. */
  plans: { open(): Promise<DigestContent["plans"]> };
  events: { metricsComputed(detail: Omit<MetricsComputedDetail, "schemaVersion">): Promise<void> };
  riskThreshold: number;
  recipients: readonly Contact[];
  /** The metrics time zone: which days make last week. */
  timeZone: string;
  /** The stage's minimum answers for a figure, change or driver to be more than `insufficient`. */
  minResponses: number;
  consoleUrl: string | null;
}

/**
 * Computes last week's digest, publishes `Metrics Computed`, and sends it to each distinct Slack
 * webhook and email address of the recipients, once: a rerun for the same week sends only
 * what failed before.
 */
export async function sendWeeklyDigest(ports: DigestPorts) {
  const now = ports.now();
  const windows = digestWindows(now, ports.timeZone);
  const [days, driverDays] = await Promise.all([
    ports.aggregates.days("total", windows.trend.from, windows.week.to),
    daysForDrivers(ports.aggregates, windows.week, dayOf(now, ports.timeZone)),
  ]);
  const metrics = computeMetrics({
    window: windows.week,
    previousWindow: windows.previous,
    filters: {},
    groupBy: null,
    days,
    previousDays: days,
    minResponses: ports.minResponses,
  });
  const trend = computeMetrics({
    window: windows.trend,
    previousWindow: windows.trend,
    filters: {},
    groupBy: "week",
    days,
    previousDays: [],
    minResponses: ports.minResponses,
  });
  const drivers = computeDrivers({ window: windows.week, days: driverDays, minResponses: ports.minResponses });
  const exampleIds = drivers.drivers
    .filter((driver) => driver.impact !== null && driver.impact < 0)
    .slice(0, TOP_DRIVERS)
    .flatMap((driver) => (driver.exampleResponseId ? [driver.exampleResponseId] : []));
  const examples = new Map(
    await Promise.all(exampleIds.map(async (id) => [id, await ports.responses.example(id)] as const)),
  );
  const svg = npsTrendSvg(
    trend.groups.map((group) => ({ label: group.key ?? "", score: group.nps.score })),
    `NPS by week, ${trend.from} to ${trend.to}`,
  );
  const png = await ports.charts.render(svg);
  const [overdue, atRisk, plans, chartUrl] = await Promise.all([
    ports.cases.activeDueBefore(now),
    ports.customers.atRisk(),
    ports.plans.open(),
    ports.charts.publish ? ports.charts.publish(`digest/${windows.week.from}/nps-trend.png`, png) : null,
  ]);
  const digest = await buildDigest(
    {
      metrics,
      trend,
      drivers,
      examples,
      overdue,
      revenue: revenueAtRisk(atRisk, ports.riskThreshold),
      plans,
      consoleUrl: ports.consoleUrl,
    },
    { png, url: chartUrl },
  );
  await ports.events.metricsComputed(digest.summary);

  const channels: Channel[] = [];
  const email = ports.email;
  for (const webhook of new Set(ports.recipients.flatMap((contact) => (contact.slack ? [contact.slack] : []))))
    channels.push({
      name: `slack:${webhook}`,
      delivery: `slack#${webhook}`,
      send: () => ports.slack.send(webhook, digest.slack),
    });
  for (const address of new Set(ports.recipients.flatMap((contact) => (contact.email ? [contact.email] : []))))
    if (email)
      channels.push({
        name: "email",
        delivery: `email#${address}`,
        send: () => email.send(address, digest.email).then(() => true),
      });
  const sent = await deliverOnce(`digest-${windows.week.from}`, channels, ports);
  return { week: windows.week, summary: digest.summary, sent };
}
