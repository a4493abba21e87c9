import { caseStatuses, priorities } from "../../../lambdas/contracts/case-states";
import type { Case, CaseStats } from "../api-types";
import { PRIORITY_LABELS, STATUS_LABELS } from "../case-states";
import { Checkbox, Field } from "../components/field";
import { Figure } from "../components/figure";
import { CaseTable, LoadMore } from "../components/lists";
import { Page, Section } from "../components/page";
import { Resource } from "../components/states";
import { countOf, formatCount, formatPercent, NONE } from "../format";
import { useApi, usePagedList } from "../use-api";
import { useQueryParams } from "../use-query-params";

const PAGE_SIZE = "25";

function CaseStatsFigures({ stats }: { stats: CaseStats }) {
  const { closedWithinSla, timeToFirstContactHours } = stats;
  return (
    <div class="figures">
      <Figure
        label="Open"
        value={formatCount(stats.open)}
        details={[`${countOf(stats.cases, "case", "cases")} in all`]}
      />
      <Figure label="Overdue" value={formatCount(stats.overdue)} />
      <Figure
        label="Closed within SLA"
        value={formatPercent(closedWithinSla.percent)}
        details={[`${formatCount(closedWithinSla.withinSla)} of ${formatCount(closedWithinSla.closed)} closed`]}
      />
      <Figure
        label="First contact (median)"
        value={timeToFirstContactHours.median === null ? NONE : `${String(timeToFirstContactHours.median)} h`}
        details={[`${formatCount(timeToFirstContactHours.contacted)} contacted`]}
      />
    </div>
  );
}

export function CasesPage() {
  const query = useQueryParams();
  const filters = {
    status: query.read("status"),
    owner: query.read("owner"),
    priority: query.read("priority"),
    overdue: query.read("overdue") === "true" ? "true" : undefined,
  };
  const cases = usePagedList<Case>("/v1/cases", { ...filters, limit: PAGE_SIZE });
  const stats = useApi<CaseStats>("/v1/cases/stats");
  const owners = stats.result.status === "ready" ? stats.result.data.byOwner.map((entry) => entry.owner) : [];
  return (
    <Page title="Cases">
      <Section title="At a glance">
        <Resource result={stats.result} what="case statistics" onRetry={stats.reload}>
          {(data) => <CaseStatsFigures stats={data} />}
        </Resource>
      </Section>
      <Section title="Queue">
        <form class="toolbar" aria-label="Filter cases" onSubmit={(event) => event.preventDefault()}>
          <Field label="Status">
            {(id) => (
              <select
                id={id}
                value={filters.status ?? ""}
                onChange={(event) => query.update({ status: event.currentTarget.value })}
              >
                <option value="">Any</option>
                {caseStatuses.map((status) => (
                  <option key={status} value={status}>
                    {STATUS_LABELS[status]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Owner">
            {(id) => (
              <>
                <input
                  id={id}
                  type="search"
                  list={`${id}-owners`}
                  value={filters.owner ?? ""}
                  placeholder="Anyone"
                  onChange={(event) => query.update({ owner: event.currentTarget.value.trim() })}
                />
                <datalist id={`${id}-owners`}>
                  {owners.map((owner) => (
                    <option key={owner} value={owner} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Priority">
            {(id) => (
              <select
                id={id}
                value={filters.priority ?? ""}
                onChange={(event) => query.update({ priority: event.currentTarget.value })}
              >
                <option value="">Any</option>
                {priorities.map((priority) => (
                  <option key={priority} value={priority}>
                    {PRIORITY_LABELS[priority]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Checkbox
            label="Overdue only"
            checked={filters.overdue === "true"}
            onChange={(checked) => query.update({ overdue: checked ? "true" : undefined })}
          />
        </form>
        <Resource
          result={cases.result}
          what="cases"
          onRetry={cases.reload}
          isEmpty={(page) => page.items.length === 0}
          empty="No cases match these filters."
        >
          {(page) => <CaseTable caption="Cases" cases={page.items} />}
        </Resource>
        <LoadMore list={cases} />
      </Section>
    </Page>
  );
}
