import type { ActionPlan, ActionPlanList, ActionPlanSummary } from "../api-types";
import { type Column, DataTable } from "../components/data-table";
import { Facts } from "../components/facts";
import { CaseLink } from "../components/links";
import { Page, Section } from "../components/page";
import { Resource } from "../components/states";
import { formatDay, formatPercent, formatRange, formatScore, formatSigned, NONE } from "../format";
import { useApi } from "../use-api";

type OwnerLine = ActionPlanSummary["owners"][number];
type Track = ActionPlan["effect"]["target"]["track"];

const TRACK_WORDS: Record<Track, string> = {
  "not-started": "Not started",
  insufficient: "Too few answers to track",
  achieved: "Target reached",
  "on-track": "On track",
  behind: "Behind",
  "off-track": "Off track",
};

const OWNER_COLUMNS: [Column<OwnerLine>, ...Column<OwnerLine>[]] = [
  { header: "Owner", cell: (line) => line.owner },
  { header: "Open plans", numeric: true, cell: (line) => line.open },
  { header: "On track or reached", numeric: true, cell: (line) => line["on-track"] + line.achieved },
  { header: "Behind", numeric: true, cell: (line) => line.behind },
  { header: "Off track", numeric: true, cell: (line) => line["off-track"] },
  {
    header: "Too early or too few answers",
    numeric: true,
    secondary: true,
    cell: (line) => line["not-started"] + line.insufficient,
  },
];

/** "+70 (95% interval 50 to 88), significant", or why the change says nothing yet. */
function changeText(change: ActionPlan["effect"]["change"]) {
  if (change.insufficient) return "too few answers to tell";
  if (change.points === null) return NONE;
  const interval = change.ci95 ? ` (95% interval ${formatRange(change.ci95)})` : "";
  return `${formatSigned(change.points)}${interval}, ${change.significant ? "significant" : "within noise"}`;
}

function PlanCard({ plan }: { plan: ActionPlan }) {
  const { effect } = plan;
  const metric = effect.metric.toUpperCase();
  const slice = Object.entries(plan.filter)
    .map(([dimension, value]) => `${dimension} ${value}`)
    .join(", ");
  return (
    <article class="card stack">
      <h2>{plan.title}</h2>
      <p class="muted">
        {plan.owner} · {plan.status} · {TRACK_WORDS[effect.target.track]}
      </p>
      <Facts
        facts={[
          ["Driver theme", plan.theme],
          ["Measured on", slice || "all responses"],
          [
            `${metric} before`,
            `${formatScore(effect.baseline.score)} (n = ${effect.baseline.responses}, ${formatDay(effect.baseline.from)} to ${formatDay(effect.baseline.to)})`,
          ],
          [
            `${metric} since`,
            `${formatScore(effect.since.score)} (n = ${effect.since.responses}, since ${formatDay(plan.startsAt)})`,
          ],
          ["Change", changeText(effect.change)],
          ...(effect.theme
            ? ([
                [
                  `Negative answers about ${effect.theme.theme}`,
                  `${formatPercent(effect.theme.baseline.percent)} → ${formatPercent(effect.theme.since.percent)} (${changeText(effect.theme.change)})`,
                ],
              ] as const)
            : []),
          ["Target", `${formatScore(plan.target.value)} by ${formatDay(plan.target.by)}`],
          [
            "Progress",
            effect.target.progress === null
              ? NONE
              : `${Math.round(effect.target.progress * 100)}% of the way, ${Math.round(effect.target.elapsed * 100)}% of the time gone`,
          ],
          [
            "Root causes",
            plan.rootCauses.length === 0
              ? NONE
              : plan.rootCauses.map((cause) => `${cause.rootCause} (${cause.cases})`).join(", "),
          ],
          [
            "Linked cases",
            plan.cases.length === 0
              ? NONE
              : plan.cases.map((id, index) => (
                  <span key={id}>
                    {index > 0 && ", "}
                    <CaseLink id={id} />
                  </span>
                )),
          ],
        ]}
      />
    </article>
  );
}

export function ActionPlansPage() {
  const summary = useApi<ActionPlanSummary>("/v1/action-plans/summary");
  const plans = useApi<ActionPlanList>("/v1/action-plans");
  return (
    <Page title="Action plans">
      <p class="muted">
        Systemic fixes with an owner, a metric and a target. Each shows its metric before it started and since, and
        whether the change is larger than chance.
      </p>
      <Section title="By owner">
        <Resource
          result={summary.result}
          what="the owners' plans"
          onRetry={summary.reload}
          isEmpty={(found) => found.owners.length === 0}
          empty="No open action plans."
        >
          {(found) => (
            <DataTable
              caption="Open action plans by owner"
              hideCaption
              columns={OWNER_COLUMNS}
              rows={found.owners}
              rowKey={(line) => line.owner}
            />
          )}
        </Resource>
      </Section>
      <Section title="Plans">
        <Resource
          result={plans.result}
          what="action plans"
          onRetry={plans.reload}
          isEmpty={(found) => found.items.length === 0}
          empty="No action plans yet: start one with POST /v1/action-plans."
        >
          {(found) => (
            <div class="stack">
              {found.items.map((plan) => (
                <PlanCard key={plan.id} plan={plan} />
              ))}
            </div>
          )}
        </Resource>
      </Section>
    </Page>
  );
}
