import { describe, expect, it } from "vitest";
import type { Case } from "../../lambdas/contracts/cases";
import { metricsComputedDetailSchema } from "../../lambdas/contracts/events";
import { aggregateDay, cellsOfView, type RollupResponse } from "../../lambdas/core/aggregates";
import type { EmailMessage, SlackMessage } from "../../lambdas/core/alerts";
import { npsTrendSvg } from "../../lambdas/core/chart";
import { type DigestPorts, digestWindows, sendWeeklyDigest } from "../../lambdas/core/digest";
import { rollupResponse } from "../support/responses";

const NOW = new Date("2026-11-23T08:00:00Z"); // a Monday

const nps = (id: string, day: string, score: number, extra: Partial<RollupResponse> = {}): RollupResponse =>
  rollupResponse({ id, type: "nps", score, submittedAt: `${day}T09:00:00.000Z`, ...extra });

function ports(failSlackTimes = 0) {
  const delivered = new Set<string>();
  const slack: { name: string; message: SlackMessage }[] = [];
  const email: { to: string; message: EmailMessage }[] = [];
  const published: unknown[] = [];
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
            view === "themes" ? { ...day, cells: [] } : { ...day, cells: cellsOfView(day.cells, view), themes: [] },
          ),
    },
    responses: { comment: async (id) => (id === "a" ? "The parcel came a week late" : null) },
    cases: { activeDueBefore: async () => [{ owner: "logistics" }, { owner: "logistics" }] as Case[] },
    customers: {
      atRisk: async () => [
        { id: "acme", segment: "enterprise", annualValue: 200_000, currency: "EUR", churnRisk: 0.7 },
      ],
    },
    events: { metricsComputed: async (detail) => void published.push(detail) },
    riskThreshold: 0.6,
    timeZone: "UTC",
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
  return { value, slack, email, published };
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

  it("publishes Metrics Computed and says the scores, change, worst driver with its comment, overdue cases and revenue at risk", async () => {
    const { value, email, published } = ports();
    await sendWeeklyDigest(value);
    const [summary] = published;
    expect(metricsComputedDetailSchema.parse({ schemaVersion: 1, ...(summary as object) })).toMatchObject({
      period: { from: "2026-11-16", to: "2026-11-22" },
      nps: { score: 0, responses: 4, change: -100, significant: true },
      topNegativeDrivers: [{ theme: "delivery", mentions: 2 }],
      overdueCases: 2,
      revenueAtRisk: [{ currency: "EUR", total: 140_000 }],
    });
    const text = email[0]?.message.text ?? "";
    expect(text).toContain("NPS 0 (n=4), change -100 (significant)");
    expect(text).toMatch(/1\. delivery: -\d+(\.\d+)? NPS points, 2 mentions/);
    expect(text).toContain('"The parcel came a week late"');
    expect(text).toContain("2 overdue cases: logistics 2");
    expect(text).toContain("Revenue at risk: 140,000 EUR across 1 customer");
    expect(email[0]?.message.html).toContain("<svg");
  });

  it("links to the console's overview in the email and in Slack", async () => {
    const { value, email, slack } = ports();
    await sendWeeklyDigest(value);
    expect(email[0]?.message.text).toContain("Overview: https://cx.example.com/");
    expect(email[0]?.message.html).toContain('<a href="https://cx.example.com/">Open the overview in cxloop</a>');
    expect(JSON.stringify(slack[0]?.message.blocks)).toContain("<https://cx.example.com/|Open the overview in cxloop>");
  });

  it("quotes a driver's comment inert: escaped for Slack mrkdwn and for HTML", async () => {
    const { value, slack, email } = ports();
    await sendWeeklyDigest({
      ...value,
      responses: { comment: async (id) => (id === "a" ? "<!channel> see <https://evil.example|this>" : null) },
    });
    const posted = JSON.stringify(slack[0]?.message);
    expect(posted).toContain("&lt;!channel&gt; see &lt;https://evil.example|this&gt;");
    expect(posted).not.toContain("<!channel>");
    expect(email[0]?.message.html).toContain("&lt;!channel&gt;");
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
