import { useMemo } from "preact/hooks";
import { apiPath } from "../api";
import type { CesMetric, MetricsReport, RevenueAtRisk } from "../api-types";
import { Chart, type ChartData } from "../components/chart";
import { type Column, DataTable } from "../components/data-table";
import { Figure, MetricFigure } from "../components/figure";
import { Page, Section } from "../components/page";
import { Resource } from "../components/states";
import { type DayRange, useDayRange, WindowPicker } from "../components/window-picker";
import { countOf, formatCount, formatDay, formatMoney, formatRange, formatScore, NONE } from "../format";
import { useApi } from "../use-api";

/** Beyond this many days a daily trend is too dense to read; weeks it is. */
const MAX_DAILY_TREND_DAYS = 45;
const BREAKDOWNS = [
  { groupBy: "stage", title: "By journey stage" },
  { groupBy: "segment", title: "By segment" },
  { groupBy: "touchpoint", title: "By touchpoint" },
  { groupBy: "channel", title: "By channel" },
  { groupBy: "survey", title: "By survey" },
] as const;

const metricsPath = (range: DayRange, groupBy: string) =>
  apiPath("/v1/metrics", { from: range.from, to: range.to, groupBy });

const hasResponses = (report: MetricsReport) =>
  report.nps.responses + report.csat.responses + report.ces.reduce((sum, ces) => sum + ces.responses, 0) > 0;

const cesLabel = (ces: CesMetric) => `CES (${ces.scale})`;

function ScoreFigures({ report }: { report: MetricsReport }) {
  const { nps, csat, ces, change } = report;
  return (
    <div class="figures">
      <MetricFigure
        label="NPS"
        score={nps.score}
        responses={nps.responses}
        ci95={nps.ci95}
        insufficient={nps.insufficient}
        change={change.nps}
        testId="nps-score"
        extra={
          nps.responses > 0
            ? `${formatCount(nps.promoters)} promoters · ${formatCount(nps.passives)} passives · ${formatCount(nps.detractors)} detractors`
            : null
        }
      />
      <MetricFigure
        label="CSAT"
        unit="%"
        score={csat.score}
        responses={csat.responses}
        ci95={csat.ci95}
        insufficient={csat.insufficient}
        change={change.csat}
        extra={csat.mean === null ? null : `mean ${String(csat.mean)}`}
      />
      {ces.length === 0 ? (
        <MetricFigure label="CES" score={null} responses={0} />
      ) : (
        ces.map((entry) => (
          <MetricFigure
            key={entry.scale}
            label={cesLabel(entry)}
            unit="%"
            score={entry.score}
            responses={entry.responses}
            ci95={entry.ci95}
            insufficient={entry.insufficient}
            change={change.ces.find((cesChange) => cesChange.scale === entry.scale)}
            extra={entry.mean === null ? null : `mean ${String(entry.mean)} · ${formatCount(entry.easy)} easy`}
          />
        ))
      )}
    </div>
  );
}

type Group = MetricsReport["groups"][number];

const toSeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

function trendSummary(report: MetricsReport, period: string) {
  const scores = report.groups.flatMap((group) => (group.nps.score === null ? [] : [group.nps.score]));
  return `NPS by ${period} from ${formatDay(report.from)} to ${formatDay(report.to)}: ${countOf(scores.length, period, `${period}s`)} with answers, between ${formatScore(Math.min(...scores))} and ${formatScore(Math.max(...scores))}. The table below lists every ${period}.`;
}

function NpsTrend({ report, period }: { report: MetricsReport; period: "day" | "week" }) {
  const chart = useMemo<ChartData>(
    () => ({
      x: report.groups.map((group) => toSeconds(group.key ?? "")),
      lines: [{ label: "NPS", color: "#1d4ed8", values: report.groups.map((group) => group.nps.score) }],
      band: {
        label: "95% interval",
        low: report.groups.map((group) => group.nps.ci95?.low ?? null),
        high: report.groups.map((group) => group.nps.ci95?.high ?? null),
      },
      yRange: [-100, 100],
      calendarDays: true,
    }),
    [report],
  );
  const columns: [Column<Group>, ...Column<Group>[]] = [
    { header: period === "day" ? "Day" : "Week of", cell: (group) => formatDay(group.key ?? "") },
    { header: "NPS", numeric: true, cell: (group) => formatScore(group.nps.score) },
    { header: "95% interval", cell: (group) => formatRange(group.nps.ci95) },
    { header: "Responses", numeric: true, cell: (group) => formatCount(group.nps.responses) },
  ];
  return (
    <>
      <Chart label={trendSummary(report, period)} data={chart} />
      <details class="chart-data">
        <summary>Trend as a table</summary>
        <DataTable
          caption={`NPS by ${period}`}
          columns={columns}
          rows={report.groups}
          rowKey={(group) => group.key ?? ""}
        />
      </details>
    </>
  );
}

const BREAKDOWN_COLUMNS: [Column<Group>, ...Column<Group>[]] = [
  { header: "Group", cell: (group) => group.key ?? "(none)" },
  { header: "NPS", numeric: true, cell: (group) => formatScore(group.nps.score) },
  { header: "95% interval", secondary: true, cell: (group) => formatRange(group.nps.ci95) },
  { header: "Responses", numeric: true, cell: (group) => formatCount(group.nps.responses) },
  { header: "CSAT %", numeric: true, cell: (group) => formatScore(group.csat.score) },
  {
    header: "CES %",
    numeric: true,
    // The scale is named only when answers came on several: their shares are never mixed.
    cell: (group) =>
      group.ces
        .map((ces) => (group.ces.length > 1 ? `${formatScore(ces.score)} (${ces.scale})` : formatScore(ces.score)))
        .join(", ") || NONE,
  },
];

function Breakdown({ range, groupBy, title }: { range: DayRange; groupBy: string; title: string }) {
  const metrics = useApi<MetricsReport>(metricsPath(range, groupBy));
  return (
    <div class="card">
      <h3>{title}</h3>
      <Resource
        result={metrics.result}
        what={title.toLowerCase()}
        onRetry={metrics.reload}
        isEmpty={(report) => report.groups.length === 0}
        empty="No responses in this window."
      >
        {(report) => (
          <DataTable
            caption={`Scores ${title.toLowerCase()}`}
            hideCaption
            columns={BREAKDOWN_COLUMNS}
            rows={report.groups}
            rowKey={(group) => group.key ?? ""}
          />
        )}
      </Resource>
    </div>
  );
}

function RevenueAtRiskPanel() {
  const revenue = useApi<RevenueAtRisk>("/v1/revenue-at-risk");
  return (
    <Resource
      result={revenue.result}
      what="revenue at risk"
      onRetry={revenue.reload}
      isEmpty={(report) => report.customersAtRisk === 0}
      empty="No customer is at risk."
    >
      {(report) => (
        <>
          <p class="muted">
            Annual value × churn risk of the {countOf(report.customersAtRisk, "customer", "customers")} whose churn risk
            is at least {String(report.threshold)}
            {report.customersWithoutValue > 0 &&
              `, ${countOf(report.customersWithoutValue, "customer", "customers")} without an annual value counted as 0`}
            .
          </p>
          <div class="figures">
            {report.revenueAtRisk.map((currency) => (
              <Figure
                key={currency.currency}
                label={`At risk (${currency.currency})`}
                value={formatMoney(currency.total, currency.currency)}
                details={[
                  countOf(currency.customers, "customer", "customers"),
                  ...currency.bySegment.map(
                    (segment) => `${segment.segment}: ${formatMoney(segment.total, currency.currency)}`,
                  ),
                ]}
              />
            ))}
          </div>
        </>
      )}
    </Resource>
  );
}

export function OverviewPage() {
  const picker = useDayRange();
  const { range } = picker;
  const period = range.days > MAX_DAILY_TREND_DAYS ? "week" : "day";
  const trend = useApi<MetricsReport>(metricsPath(range, period));
  return (
    <Page title="Overview">
      <WindowPicker picker={picker} />
      <Section title="Scores">
        <Resource result={trend.result} what="scores" onRetry={trend.reload}>
          {(report) => (
            <>
              {!hasResponses(report) && <p class="muted">No scored responses in this window.</p>}
              <ScoreFigures report={report} />
            </>
          )}
        </Resource>
      </Section>
      <Section title="NPS trend">
        <Resource
          result={trend.result}
          what="the trend"
          onRetry={trend.reload}
          isEmpty={(report) => report.nps.responses === 0}
          empty="No NPS answers in this window."
        >
          {(report) => <NpsTrend report={report} period={period} />}
        </Resource>
      </Section>
      <Section title="Breakdowns">
        <div class="grid-2">
          {BREAKDOWNS.map((breakdown) => (
            <Breakdown key={breakdown.groupBy} range={range} {...breakdown} />
          ))}
        </div>
      </Section>
      <Section title="Revenue at risk">
        <RevenueAtRiskPanel />
      </Section>
    </Page>
  );
}
