import { describe, expect, it } from "vitest";
import { svgToPng } from "../../lambdas/adapters/chart-renderer";
import type { Case } from "../../lambdas/contracts/cases";
import { metricsComputedDetailSchema } from "../../lambdas/contracts/events";
import { aggregateDay, cellsOfView, type RollupResponse } from "../../lambdas/core/aggregates";
import type { EmailMessage, SlackMessage } from "../../lambdas/core/alerts";
import { dayOf } from "../../lambdas/core/calendar";
import { npsTrendSvg } from "../../lambdas/core/chart";
import {
  buildDigest,
  CHART_CID,
  type DigestContent,
  type DigestPorts,
  digestWindows,
  type ExampleResponse,
  isNegativeExample,
  sendWeeklyDigest,
} from "../../lambdas/core/digest";
import { computeDrivers, daysForDrivers } from "../../lambdas/core/drivers";
import { computeMetrics } from "../../lambdas/core/metrics";
import { revenueAtRisk } from "../../lambdas/core/revenue-at-risk";
import { rollupResponse } from "../support/responses";

const NOW = new Date("2026-11-23T08:00:00Z"); // a Monday

const nps = (id: string, day: string, score: number, extra: Partial<RollupResponse> = {}): RollupResponse =>
  rollupResponse({ id, type: "nps", score, submittedAt: `${day}T09:00:00.000Z`, ...extra });

const LATE: ExampleResponse = {
  comment: "The parcel came a week late",
  sentiment: { label: "negative", score: -0.8 },
  category: "detractor",
};
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ports(failSlackTimes = 0) {
  const delivered = new Set<string>();
  const slack: { name: string; message: SlackMessage }[] = [];
  const email: { to: string; message: EmailMessage }[] = [];
  const published: unknown[] = [];
  const charts: { name: string; png: Uint8Array }[] = [];
  let slackFailures = failSlackTimes;
  const lastWeek = aggregateDay("2026-11-18", [
    nps("a", "2026-11-18", 2, { themes: ["delivery"], sentiment: { label: "negative", score: -0.8 } }),
    nps("b", "2026-11-18", 1, { themes: ["delivery"], sentiment: { label: "negative", score: -0.3 } }),
    nps("c", "2026-11-18", 10),
    nps("d", "2026-11-18", 9),
  ]);
  const weekBefore = aggregateDay("2026-11-10", [nps("e", "2026-11-10", 10), nps("f", "2026-11-10", 10)]);
  const value: DigestPorts = {
    aggregates: {
      days: async (view, from, to) =>
        [weekBefore, lastWeek]
          .filter((day) => day.day >= from && day.day <= to)
          .map((day) =>
            view === "themes" || view === "answers" || view === "enps"
              ? day
              : { ...day, cells: cellsOfView(day.cells, view), themes: [] },
          ),
    },
    responses: { example: async (id) => (id === "a" ? LATE : null) },
    charts: {
      render: svgToPng,
      publish: async (name, png) => {
        charts.push({ name, png });
        return `https://charts.example/${name}?signed`;
      },
    },
    cases: { activeDueBefore: async () => [{ owner: "logistics" }, { owner: "logistics" }] as Case[] },
    customers: {
      atRisk: async () => [
        { id: "acme", segment: "enterprise", annualValue: 200_000, currency: "EUR", churnRisk: 0.7 },
      ],
    },
    plans: { open: async () => [OPEN_PLAN] },
    events: { metricsComputed: async (detail) => void published.push(detail) },
    riskThreshold: 0.6,
    timeZone: "UTC",
    minResponses: 30,
    consoleUrl: "https://cx.example.com",
    recipients: [
      { name: "Team lead", email: "lead@example.com", slack: "cx-leads" },
      { name: "Head of CX", email: "head@example.com", slack: "cx-leads" },
    ],
    deliveries: {
      alertDelivered: async (id, delivery) => delivered.has(`${id}/${delivery}`),
      recordAlertDelivered: async (id, delivery) => void delivered.add(`${id}/${delivery}`),
    },
    slack: {
      send: async (name, message) => {
        if (slackFailures-- > 0) throw new Error("webhook 500");
        slack.push({ name, message });
        return true;
      },
    },
    email: { send: async (to, message) => void email.push({ to, message }) },
    now: () => NOW,
  };
  return { value, slack, email, published, charts };
}

describe("weekly digest", () => {
  it("covers the last full Monday-to-Sunday week, the one before, and twelve weeks of trend", () => {
    expect(digestWindows(NOW)).toEqual({
      week: { from: "2026-11-16", to: "2026-11-22" },
      previous: { from: "2026-11-09", to: "2026-11-15" },
      trend: { from: "2026-08-31", to: "2026-11-22" },
    });
    expect(digestWindows(new Date("2026-11-29T23:59:00Z")).week).toEqual({ from: "2026-11-16", to: "2026-11-22" });
  });

  it("publishes Metrics Computed and says the scores, worst driver with its comment, overdue cases and revenue at risk in plain text", async () => {
    const { value, email, published } = ports();
    await sendWeeklyDigest(value);
    const [summary] = published;
    expect(metricsComputedDetailSchema.parse({ schemaVersion: 1, ...(summary as object) })).toMatchObject({
      period: { from: "2026-11-16", to: "2026-11-22" },
      nps: { score: 0, responses: 4, change: -100 },
      topNegativeDrivers: [{ theme: "delivery", mentions: 2 }],
      overdueCases: 2,
      revenueAtRisk: [{ currency: "EUR", total: 140_000 }],
    });
    const text = email[0]?.message.text ?? "";
    expect(text).toMatch(/^NPS 0 \(n=4\), change /m);
    expect(text).toMatch(/1\. delivery: -\d+(\.\d+)? NPS points, 2 mentions/);
    expect(text).toContain('"The parcel came a week late"');
    expect(text).toContain("2 overdue cases: logistics 2");
    expect(text).toContain("Revenue at risk: 140,000 EUR across 1 customer");
    expect(text).toContain("Cases: https://cx.example.com/cases");
    expect(text).toContain(
      "logistics: Fix late deliveries: NPS 20 → 90 (+70, significant); target 60 by 2026-12-15, target reached",
    );
    expect(text).not.toMatch(/<[a-z]/i);
  });

  it("sends the trend chart as a PNG: attached inline by CID in the email, and as a Slack image at its stored URL", async () => {
    const { value, email, slack, charts } = ports();
    await sendWeeklyDigest(value);
    const [image] = email[0]?.message.inlineImages ?? [];
    expect(image).toMatchObject({ cid: CHART_CID, contentType: "image/png" });
    const png = Buffer.from(image?.content ?? []);
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(png.toString("latin1", 12, 16)).toBe("IHDR");
    // Rendered at twice the 600×220 SVG, for high-density screens.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 440]);
    expect(email[0]?.message.html).toContain(`src="cid:${CHART_CID}"`);
    expect(email[0]?.message.html).not.toContain("<svg");
    expect(charts).toEqual([{ name: "digest/2026-11-16/nps-trend.png", png: image?.content }]);
    expect(slack[0]?.message.blocks).toContainEqual({
      type: "image",
      image_url: "https://charts.example/digest/2026-11-16/nps-trend.png?signed",
      alt_text: "NPS by week, 2026-08-31 to 2026-11-22",
    });
  });

  it("posts no Slack image when there is nowhere to keep the chart, and still mails it", async () => {
    const { value, email, slack } = ports();
    await sendWeeklyDigest({ ...value, charts: { ...value.charts, publish: null } });
    expect(JSON.stringify(slack[0]?.message.blocks)).not.toContain('"image"');
    expect(email[0]?.message.inlineImages).toHaveLength(1);
  });

  it("links to the console's overview, drivers and cases in the email and in Slack", async () => {
    const { value, email, slack } = ports();
    await sendWeeklyDigest(value);
    expect(email[0]?.message.text).toContain("Overview: https://cx.example.com/");
    const html = email[0]?.message.html ?? "";
    for (const href of ["https://cx.example.com/", "https://cx.example.com/drivers", "https://cx.example.com/cases"])
      expect(html).toContain(`href="${href}"`);
    expect(html).toContain("Open the overview in cxloop");
    expect(JSON.stringify(slack[0]?.message.blocks)).toContain("<https://cx.example.com/|Open the overview in cxloop>");
  });

  it("is a responsive email that offers a dark palette", async () => {
    const { value, email } = ports();
    await sendWeeklyDigest(value);
    const html = email[0]?.message.html ?? "";
    expect(html).toContain('<meta name="color-scheme" content="light dark"');
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
    // MJML's stacking columns: side by side from 480 px, one under the other below.
    expect(html).toMatch(/@media only screen and \(min-width:480px\)/);
  });

  it("quotes a hostile comment inert: escaped for Slack mrkdwn and for the HTML email", async () => {
    const { value, slack, email } = ports();
    const hostile = '<!channel> see <https://evil.example|this> </mj-text><mj-raw><script>alert("x")</script>';
    await sendWeeklyDigest({
      ...value,
      responses: { example: async (id) => (id === "a" ? { ...LATE, comment: hostile } : null) },
    });
    const posted = JSON.stringify(slack[0]?.message);
    expect(posted).toContain("&lt;!channel&gt; see &lt;https://evil.example|this&gt;");
    expect(posted).not.toContain("<!channel>");
    const html = email[0]?.message.html ?? "";
    expect(html).toContain("&lt;!channel&gt;");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("evil.example|this>");
  });

  it("quotes a negative driver only with a negative comment, and with none rather than a wrong one", async () => {
    const praise: ExampleResponse = {
      comment: "Great quality, would recommend",
      sentiment: { label: "positive", score: 0.8 },
      category: "passive",
    };
    const { value, email, slack } = ports();
    await sendWeeklyDigest({ ...value, responses: { example: async () => praise } });
    expect(email[0]?.message.text).toMatch(/1\. delivery: .*customers?\n\n/);
    expect(email[0]?.message.text).not.toContain("Great quality");
    expect(email[0]?.message.html).not.toContain("Great quality");
    expect(JSON.stringify(slack[0]?.message)).not.toContain("Great quality");

    const read = (example: Partial<ExampleResponse>) => isNegativeExample({ ...praise, ...example });
    expect(read({ sentiment: { label: "negative", score: -0.4 }, category: "promoter" })).toBe(true);
    expect(read({ sentiment: { label: "neutral", score: 0 }, category: "detractor" })).toBe(true);
    expect(read({ sentiment: null, category: "dissatisfied" })).toBe(true);
    expect(read({ sentiment: { label: "mixed", score: -0.1 }, category: "hard" })).toBe(true);
    // A detractor's glowing sentence is still no evidence of what pulled the score down.
    expect(read({ category: "detractor" })).toBe(false);
    expect(read({ sentiment: { label: "neutral", score: 0 }, category: "passive" })).toBe(false);
    expect(read({ sentiment: { label: "negative", score: -0.9 }, category: "detractor", comment: null })).toBe(false);
  });

  it("colours a significant change by its direction and marks one within noise or from too few answers", async () => {
    const { value } = ports();
    const content = await digestContent(value);
    const render = async (change: (points: number) => Record<string, unknown>, nps: Record<string, unknown> = {}) => {
      const report = content.metrics;
      const metrics = {
        ...report,
        nps: { ...report.nps, ...nps },
        change: { ...report.change, nps: { ...report.change.nps, ...change(-12.5) } },
      } as DigestContent["metrics"];
      const digest = await buildDigest({ ...content, metrics }, { png: new Uint8Array(PNG_SIGNATURE), url: null });
      return { html: digest.email.html, text: digest.email.text };
    };
    const tileChange = (html: string) =>
      /cx-(better|worse|noise|insufficient|none)[^>]*>[\s\S]*?<div[^>]*>([^<]*)</.exec(
        html.slice(html.indexOf(">NPS<")),
      );
    const worse = await render((points) => ({ points, significant: true, insufficient: false }), {
      insufficient: false,
    });
    expect(tileChange(worse.html)?.slice(1)).toEqual(["worse", "-12.5, significant"]);
    expect(worse.html).toContain("color:#cf222e");
    const better = await render(() => ({ points: 4, significant: true, insufficient: false }), { insufficient: false });
    expect(tileChange(better.html)?.slice(1)).toEqual(["better", "+4, significant"]);
    const noise = await render((points) => ({ points, significant: false, insufficient: false }), {
      insufficient: false,
    });
    expect(tileChange(noise.html)?.slice(1)).toEqual(["noise", "-12.5, within noise"]);
    expect(noise.text).toContain("change -12.5, within noise");
    const few = await render((points) => ({ points, significant: false, insufficient: true }), { insufficient: true });
    expect(tileChange(few.html)?.slice(1)).toEqual(["insufficient", "too few answers"]);
    expect(few.text).toMatch(/^NPS 0 \(n=4\), change too few answers$/m);
  });

  it("posts once per Slack webhook and mails each address; a rerun sends only what failed", async () => {
    const { value, slack, email } = ports(1);
    await expect(sendWeeklyDigest(value)).rejects.toThrow("webhook 500");
    expect(email.map((sent) => sent.to)).toEqual(["lead@example.com", "head@example.com"]);
    expect(slack).toHaveLength(0);
    const rerun = await sendWeeklyDigest(value);
    expect(rerun.sent).toEqual(["slack:cx-leads"]);
    expect(slack.map((sent) => sent.name)).toEqual(["cx-leads"]);
    expect(email).toHaveLength(2);
    expect((await sendWeeklyDigest(value)).sent).toEqual([]);
  });
});

/** An open plan whose effect is known: what the digest lists under its owner. */
const OPEN_PLAN: DigestContent["plans"][number] = {
  title: "Fix late deliveries",
  owner: "logistics",
  effect: {
    metric: "nps",
    baseline: { from: "2026-10-04", to: "2026-10-31", score: 20, responses: 40, ci95: null },
    since: { from: "2026-11-01", to: "2026-11-22", score: 90, responses: 40, ci95: null },
    change: { points: 70, ci95: { low: 50, high: 88 }, pValue: 0.0001, significant: true, insufficient: false },
    theme: null,
    target: { value: 60, by: "2026-12-15", progress: 1.75, elapsed: 0.5, track: "achieved" },
  },
};

/** What sendWeeklyDigest would build the digest from, captured through its ports. */
async function digestContent(value: DigestPorts): Promise<DigestContent> {
  const windows = digestWindows(NOW);
  const days = await value.aggregates.days("total", windows.trend.from, windows.week.to);
  return {
    metrics: computeMetrics({
      window: windows.week,
      previousWindow: windows.previous,
      filters: {},
      groupBy: null,
      days,
      previousDays: days,
    }),
    trend: computeMetrics({
      window: windows.trend,
      previousWindow: windows.trend,
      filters: {},
      groupBy: "week",
      days,
      previousDays: [],
    }),
    drivers: computeDrivers({
      window: windows.week,
      days: await daysForDrivers(value.aggregates, windows.week, dayOf(NOW, value.timeZone)),
    }),
    examples: new Map(),
    overdue: [],
    revenue: revenueAtRisk([], value.riskThreshold),
    plans: [],
    consoleUrl: null,
  };
}

describe("NPS trend chart", () => {
  it("draws one line per run of weeks with answers, leaving a gap for a week without", () => {
    const svg = npsTrendSvg(
      [
        { label: "2026-11-02", score: 10 },
        { label: "2026-11-09", score: -20 },
        { label: "2026-11-16", score: null },
        { label: "2026-11-23", score: 35.5 },
      ],
      "NPS <by week>",
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain("<title>NPS &lt;by week&gt;</title>");
    expect(svg).not.toMatch(/NaN|undefined/);
  });
});
