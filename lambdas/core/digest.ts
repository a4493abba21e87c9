import type { KnownBlock } from "@slack/types";
import type { Case } from "../contracts/cases";
import type { MetricsComputedDetail } from "../contracts/events";
import type { Contact } from "../contracts/follow-up-config";
import type { Drivers, MetricsReport } from "../contracts/metrics";
import type { EmailMessage, SlackMessage } from "./alerts";
import { dayOf } from "./calendar";
import { npsTrendSvg } from "./chart";
import { type Channel, type DeliveryPorts, deliverOnce } from "./delivery-log";
import { type AggregateReader, computeDrivers, daysForDrivers } from "./drivers";
import { escapeHtml, escapeSlack } from "./escape";
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

export interface DigestContent {
  metrics: MetricsReport;
  trend: MetricsReport;
  drivers: Drivers;
  /** Example comments by response id (null when erased or past retention). */
  comments: ReadonlyMap<string, string | null>;
  overdue: readonly Case[];
  revenue: ReturnType<typeof revenueAtRisk>;
  /** The console's overview, where the digest's reader goes next; null when no console is deployed. */
  overviewUrl: string | null;
}

const signed = (n: number | null) => (n === null ? "n/a" : `${n > 0 ? "+" : ""}${n}`);
const changeText = (change: { points: number | null; significant: boolean }) =>
  change.points === null ? "no earlier data" : `${signed(change.points)}${change.significant ? " (significant)" : ""}`;
const excerpt = (text: string) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text);
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const money = (total: number, currency: string) =>
  `${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(total)} ${currency}`;

/** What the digest says, once, for Slack, email and the `Metrics Computed` event. */
export function buildDigest(content: DigestContent): {
  summary: Omit<MetricsComputedDetail, "schemaVersion">;
  slack: SlackMessage;
  email: EmailMessage;
} {
  const { metrics, trend, drivers, comments, overdue, revenue, overviewUrl } = content;
  const negative = drivers.drivers
    .filter((driver) => driver.impact !== null && driver.impact < 0)
    .slice(0, TOP_DRIVERS);
  const ces = metrics.ces.filter((entry) => entry.responses > 0 || entry.scale === "1-7");
  const headline = `cxloop weekly digest, ${metrics.from} to ${metrics.to}`;
  const scoreLines = [
    `NPS ${metrics.nps.score ?? "n/a"} (n=${metrics.nps.responses}), change ${changeText(metrics.change.nps)}`,
    `CSAT ${metrics.csat.score ?? "n/a"}% satisfied (n=${metrics.csat.responses}), change ${changeText(metrics.change.csat)}`,
    ...ces.map((entry) => {
      const change = metrics.change.ces.find((c) => c.scale === entry.scale) ?? { points: null, significant: false };
      return `CES ${entry.scale}: ${entry.score ?? "n/a"}% easy (n=${entry.responses}), change ${changeText(change)}`;
    }),
  ];
  const driverLines = negative.map((driver) => {
    const comment = driver.exampleResponseId ? comments.get(driver.exampleResponseId) : null;
    return {
      title: `${driver.theme}: ${signed(driver.impact)} ${drivers.metric?.toUpperCase() ?? ""} points, ${driver.mentions} mentions, ${driver.customers} customers`,
      comment: comment ? excerpt(comment) : null,
    };
  });
  const owners = new Map<string, number>();
  for (const item of overdue) owners.set(item.owner, (owners.get(item.owner) ?? 0) + 1);
  const overdueLine =
    overdue.length === 0
      ? "No overdue cases."
      : `${count(overdue.length, "overdue case")}: ${[...owners.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([owner, count]) => `${owner} ${count}`)
          .join(", ")}`;
  const revenueLine =
    revenue.revenueAtRisk.length === 0
      ? `Revenue at risk: 0 (${count(revenue.customersAtRisk, "customer")} at risk${revenue.customersWithoutValue ? `, ${revenue.customersWithoutValue} without a known value` : ""})`
      : `Revenue at risk: ${revenue.revenueAtRisk.map((entry) => money(entry.total, entry.currency)).join(" + ")} across ${count(revenue.customersAtRisk, "customer")}${revenue.customersWithoutValue ? ` (${revenue.customersWithoutValue} without a known value count 0)` : ""}`;
  const driversText =
    driverLines.length === 0
      ? ["No theme pulled the score down this week."]
      : driverLines.map((line, index) => `${index + 1}. ${line.title}${line.comment ? `\n   "${line.comment}"` : ""}`);

  const text = [
    headline,
    "",
    ...scoreLines,
    "",
    "Top negative drivers:",
    ...driversText,
    "",
    overdueLine,
    revenueLine,
    ...(overviewUrl ? ["", `Overview: ${overviewUrl}`] : []),
  ].join("\n");
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: headline } },
    { type: "section", text: { type: "mrkdwn", text: escapeSlack(scoreLines.map((line) => `• ${line}`).join("\n")) } },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*Top negative drivers*\n${
          driverLines.length === 0
            ? "No theme pulled the score down this week."
            : driverLines
                .map(
                  (line, index) =>
                    `${index + 1}. ${escapeSlack(line.title)}${line.comment ? `\n> ${escapeSlack(line.comment)}` : ""}`,
                )
                .join("\n")
        }`,
      },
    },
    { type: "section", text: { type: "mrkdwn", text: escapeSlack(`${overdueLine}\n${revenueLine}`) } },
    ...(overviewUrl
      ? [
          {
            type: "section" as const,
            text: { type: "mrkdwn" as const, text: `<${overviewUrl}|Open the overview in cxloop>` },
          },
        ]
      : []),
  ];

  const chart = npsTrendSvg(
    trend.groups.map((group) => ({ label: group.key ?? "", score: group.nps.score })),
    `NPS by week, ${trend.from} to ${trend.to}`,
  );
  const html = [
    `<h2>${escapeHtml(headline)}</h2>`,
    `<ul>${scoreLines.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`,
    `<h3>NPS, last ${trend.groups.length} weeks</h3>`,
    chart,
    "<h3>Top negative drivers</h3>",
    driverLines.length === 0
      ? "<p>No theme pulled the score down this week.</p>"
      : `<ol>${driverLines
          .map(
            (line) =>
              `<li>${escapeHtml(line.title)}${line.comment ? `<blockquote>${escapeHtml(line.comment)}</blockquote>` : ""}</li>`,
          )
          .join("")}</ol>`,
    `<p>${escapeHtml(overdueLine)}</p>`,
    `<p>${escapeHtml(revenueLine)}</p>`,
    overviewUrl ? `<p><a href="${escapeHtml(overviewUrl)}">Open the overview in cxloop</a></p>` : "",
  ].join("");

  const score = (
    value: { score: number | null; responses: number },
    change: { points: number | null; significant: boolean },
  ) => ({
    score: value.score,
    responses: value.responses,
    change: change.points,
    significant: change.significant,
  });
  return {
    summary: {
      period: { from: metrics.from, to: metrics.to },
      nps: score(metrics.nps, metrics.change.nps),
      csat: score(metrics.csat, metrics.change.csat),
      ces: ces.map((entry) => ({
        scale: entry.scale,
        ...score(
          entry,
          metrics.change.ces.find((c) => c.scale === entry.scale) ?? { points: null, significant: false },
        ),
      })),
      topNegativeDrivers: negative.map(({ theme, impact, mentions }) => ({ theme, impact, mentions })),
      overdueCases: overdue.length,
      revenueAtRisk: revenue.revenueAtRisk.map(({ currency, total }) => ({ currency, total })),
    },
    slack: { text: headline, blocks },
    email: { subject: `[cxloop] ${headline}`, text, html },
  };
}

export interface DigestPorts extends DeliveryPorts {
  aggregates: AggregateReader;
  responses: { comment(id: string): Promise<string | null> };
  cases: { activeDueBefore(at: Date): Promise<Case[]> };
  customers: { atRisk(): Promise<AtRiskCustomer[]> };
  events: { metricsComputed(detail: Omit<MetricsComputedDetail, "schemaVersion">): Promise<void> };
  riskThreshold: number;
  recipients: readonly Contact[];
  /** The metrics time zone: which days make last week. */
  timeZone: string;
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
    daysForDrivers(ports.aggregates, windows.week),
  ]);
  const metrics = computeMetrics({
    window: windows.week,
    previousWindow: windows.previous,
    filters: {},
    groupBy: null,
    days,
    previousDays: days,
  });
  const trend = computeMetrics({
    window: windows.trend,
    previousWindow: windows.trend,
    filters: {},
    groupBy: "week",
    days,
    previousDays: [],
  });
  const drivers = computeDrivers({ window: windows.week, days: driverDays });
  const examples = drivers.drivers
    .filter((driver) => driver.impact !== null && driver.impact < 0)
    .slice(0, TOP_DRIVERS)
    .flatMap((driver) => (driver.exampleResponseId ? [driver.exampleResponseId] : []));
  const comments = new Map(
    await Promise.all(examples.map(async (id) => [id, await ports.responses.comment(id)] as const)),
  );
  const [overdue, atRisk] = await Promise.all([ports.cases.activeDueBefore(now), ports.customers.atRisk()]);
  const digest = buildDigest({
    metrics,
    trend,
    drivers,
    comments,
    overdue,
    revenue: revenueAtRisk(atRisk, ports.riskThreshold),
    overviewUrl: ports.consoleUrl ? `${ports.consoleUrl.replace(/\/$/, "")}/` : null,
  });
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
