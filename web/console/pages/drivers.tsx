import { Link, useParams, useSearch } from "wouter-preact";
import { apiPath } from "../api";
import type { Driver, Drivers, ResponseRecord } from "../api-types";
import { formatPValue } from "../components/figure";
import { decodeParam, withSearch } from "../components/links";
import { LoadMore, ResponseTable } from "../components/lists";
import { Page, Section } from "../components/page";
import { Resource } from "../components/states";
import { useDayRange, WindowPicker } from "../components/window-picker";
import { countOf, formatCount, formatMoney, formatRange, formatScore, formatSigned } from "../format";
import { useApi, usePagedList } from "../use-api";

const METRIC_LABELS = { nps: "NPS", csat: "CSAT" } as const;

/** Where `from`..`to` sits on a track from −extent to +extent, as CSS offsets in percent. */
const placement = (from: number, to: number, extent: number) => ({
  left: `${((from + extent) / (2 * extent)) * 100}%`,
  width: `${((to - from) / (2 * extent)) * 100}%`,
});

/**
 * The impact as a bar from zero with its 95% interval as a whisker, on one scale shared by every
 * theme so they compare at a glance. Decorative: the same numbers are in the text beside it.
 */
function ImpactBar({ driver, extent }: { driver: Driver; extent: number }) {
  if (driver.impact === null) return null;
  return (
    <div class="impact-track" aria-hidden="true">
      <span class="impact-zero" style={placement(0, 0, extent)} />
      <span
        class={driver.impact < 0 ? "impact-bar impact-negative" : "impact-bar impact-positive"}
        style={placement(Math.min(0, driver.impact), Math.max(0, driver.impact), extent)}
      />
      {driver.impactCi95 && (
        <span class="impact-interval" style={placement(driver.impactCi95.low, driver.impactCi95.high, extent)} />
      )}
    </div>
  );
}

/** The comment of a theme's most negative mention, as the response holds it (it may be gone: retention, erasure). */
function ExampleComment({ responseId }: { responseId: string }) {
  const response = useApi<ResponseRecord>(`/v1/responses/${encodeURIComponent(responseId)}`);
  if (response.result.status !== "ready" || response.result.data.comment === null) return null;
  return (
    <figure class="example">
      <blockquote>{response.result.data.comment}</blockquote>
      <figcaption>Most negative mention</figcaption>
    </figure>
  );
}

function DriverCard({
  driver,
  extent,
  metric,
  search,
}: {
  driver: Driver;
  extent: number;
  metric: string;
  search: string;
}) {
  return (
    <li class="card driver">
      <div class="driver-header">
        <h3>
          <Link href={withSearch(`/drivers/${encodeURIComponent(driver.theme)}`, search)}>{driver.theme}</Link>
        </h3>
        <p class="driver-impact">
          <span class="figure-value">{formatSigned(driver.impact)}</span> {metric} points
          <span class="muted"> (95% interval {formatRange(driver.impactCi95)})</span>
        </p>
        <p class="muted">{impactVerdict(driver)}</p>
      </div>
      <ImpactBar driver={driver} extent={extent} />
      <dl class="facts">
        <div>
          <dt>Mentions</dt>
          <dd>
            {formatCount(driver.mentions)} ({String(driver.share)}% of responses)
          </dd>
        </div>
        <div>
          <dt>{metric} with / without</dt>
          <dd>
            {formatScore(driver.withTheme.score)} / {formatScore(driver.withoutTheme.score)}
          </dd>
        </div>
        <div>
          <dt>Customers</dt>
          <dd>
            {driver.customersEstimated ? "≈ " : ""}
            {formatCount(driver.customers)}
            {driver.annualValue.map((value) => ` · ${formatMoney(value.total, value.currency)}`).join("")}
          </dd>
        </div>
        <div>
          <dt>Sentiment</dt>
          <dd>{formatScore(driver.sentiment)}</dd>
        </div>
      </dl>
      {driver.exampleResponseId !== null && <ExampleComment responseId={driver.exampleResponseId} />}
    </li>
  );
}

/** Whether the impact is more than noise, as the theme's two-sample test says. */
function impactVerdict(driver: Driver) {
  if (driver.insufficient) return "Too few answers to tell";
  if (driver.pValue === null) return null;
  return `${driver.significant ? "Significant" : "Not significant"}, ${formatPValue(driver.pValue)}`;
}

type Model = NonNullable<Drivers["model"]>;

/** The regression of the NPS score on every driver at once: how much each explains, and whether it is more than noise. */
function DriverModelTable({ model }: { model: Model }) {
  if (model.rSquared === null || model.drivers.length === 0)
    return <p class="muted">Not enough variation in the answers to fit the model.</p>;
  return (
    <>
      <p class="muted">
        Together the drivers explain {formatScore(100 * model.rSquared)}% of the variation in the NPS score (R² from{" "}
        {countOf(model.n, "answer", "answers")}
        {model.sampled ? ", a sample of the window" : ""}).
        {model.insufficient ? " Too few answers: no driver is called significant." : ""}
      </p>
      <table>
        <caption>Share of the explained variation, per driver</caption>
        <thead>
          <tr>
            <th scope="col">Driver</th>
            <th scope="col">Kind</th>
            <th scope="col">Share of R²</th>
            <th scope="col">Significance</th>
          </tr>
        </thead>
        <tbody>
          {model.drivers.map((driver) => (
            <tr key={driver.name}>
              <th scope="row">{driver.name}</th>
              <td>{driver.kind}</td>
              <td>{driver.share === null ? "–" : `${formatScore(driver.share)}%`}</td>
              <td>
                {driver.significant ? "Significant" : "Not significant"}, {formatPValue(driver.pValue)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Half the width of the shared scale: the largest magnitude any theme's impact or interval reaches. */
const extentOf = (drivers: readonly Driver[]) =>
  Math.max(
    1,
    ...drivers
      .flatMap((driver) => [driver.impact, driver.impactCi95?.low, driver.impactCi95?.high])
      .map((value) => Math.abs(value ?? 0)),
  );

export function DriversPage() {
  const picker = useDayRange();
  const search = useSearch();
  const drivers = useApi<Drivers>(apiPath("/v1/drivers", { from: picker.range.from, to: picker.range.to }));
  return (
    <Page title="Drivers">
      <WindowPicker picker={picker} />
      <Section title="Themes by impact">
        <Resource
          result={drivers.result}
          what="drivers"
          onRetry={drivers.reload}
          isEmpty={(report) => report.drivers.length === 0}
          empty="No themes were mentioned in this window."
        >
          {(report) => {
            const metric = METRIC_LABELS[report.metric ?? "nps"];
            return (
              <>
                <p class="muted">
                  Points each theme moves the overall {metric} of {countOf(report.responses, "response", "responses")},
                  most harmful first. Open a theme to read the responses behind it.
                </p>
                <ol class="drivers">
                  {report.drivers.map((driver) => (
                    <DriverCard
                      key={driver.theme}
                      driver={driver}
                      extent={extentOf(report.drivers)}
                      metric={metric}
                      search={search}
                    />
                  ))}
                </ol>
              </>
            );
          }}
        </Resource>
      </Section>
      <Section title="Driver model">
        <Resource
          result={drivers.result}
          what="the driver model"
          onRetry={drivers.reload}
          isEmpty={(report) => report.model === null}
          empty="No NPS answers in this window."
        >
          {(report) => (report.model ? <DriverModelTable model={report.model} /> : null)}
        </Resource>
      </Section>
    </Page>
  );
}

/** The responses that mention one theme, in the same window as the drivers page it came from. */
export function ThemeResponsesPage() {
  const theme = decodeParam(useParams().theme);
  const picker = useDayRange();
  const search = useSearch();
  const responses = usePagedList<ResponseRecord>("/v1/responses", {
    theme,
    from: picker.range.from,
    to: picker.range.to,
  });
  return (
    <Page title={`Theme ${theme}`} heading={<>Theme: {theme}</>}>
      <p>
        <Link href={withSearch("/drivers", search)}>Back to all drivers</Link>
      </p>
      <WindowPicker picker={picker} />
      <Section title="Responses mentioning it">
        <Resource
          result={responses.result}
          what="responses"
          onRetry={responses.reload}
          isEmpty={(page) => page.items.length === 0}
          empty="No response mentions this theme in this window."
        >
          {(page) => <ResponseTable caption={`Responses mentioning ${theme}`} responses={page.items} withCustomer />}
        </Resource>
        <LoadMore list={responses} />
      </Section>
    </Page>
  );
}
