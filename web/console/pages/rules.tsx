import { apiRequest } from "../api";
import type { FollowUpRule, RuleList, RuleTestResult } from "../api-types";
import { type Column, DataTable } from "../components/data-table";
import { Facts } from "../components/facts";
import { Time } from "../components/links";
import { Page } from "../components/page";
import { ErrorNotice, Resource } from "../components/states";
import { type DayRange, useDayRange, WindowPicker } from "../components/window-picker";
import { countOf, formatCount, formatDay, formatScore, NONE } from "../format";
import { useApi, useMutation } from "../use-api";

type Example = RuleTestResult["examples"][number];

const EXAMPLE_COLUMNS: [Column<Example>, ...Column<Example>[]] = [
  { header: "Response", cell: (example) => example.id },
  { header: "Type", secondary: true, cell: (example) => example.type.toUpperCase() },
  { header: "Score", numeric: true, cell: (example) => formatScore(example.score) },
  { header: "Comment", cell: (example) => example.comment ?? NONE },
  { header: "Submitted", secondary: true, cell: (example) => <Time at={example.submittedAt} /> },
];

function TestOutcome({ result }: { result: RuleTestResult }) {
  return (
    <div class="stack">
      {result.truncated && (
        <p class="muted">The window holds more responses than one test reads; the newest were tested.</p>
      )}
      <Facts
        facts={[
          ["Matched", formatCount(result.matched)],
          ["Would open cases", formatCount(result.wouldOpenCases)],
          ["Taken by earlier rules", formatCount(result.takenByEarlierRules)],
        ]}
      />
      {result.examples.length > 0 && (
        <DataTable
          caption={`Examples matched by ${result.rule}`}
          columns={EXAMPLE_COLUMNS}
          rows={result.examples}
          rowKey={(example) => example.id}
        />
      )}
    </div>
  );
}

function RuleCard({ rule, range }: { rule: FollowUpRule; range: DayRange }) {
  const test = useMutation(async (tested: DayRange) => ({
    tested,
    outcome: await apiRequest<RuleTestResult>(`/v1/rules/${encodeURIComponent(rule.name)}/test`, {
      method: "POST",
      body: { from: tested.from, to: tested.to },
    }),
  }));
  return (
    <article class="card stack">
      <h2>{rule.name}</h2>
      {rule.description !== null && <p>{rule.description}</p>}
      <pre class="code">{JSON.stringify(rule.pattern, null, 2)}</pre>
      <div>
        <button
          type="button"
          class="button button-primary"
          aria-label={`Test rule ${rule.name}`}
          disabled={test.pending}
          onClick={() => test.run(range)}
        >
          Test rule
        </button>
      </div>
      <p class="state" role="status" aria-live="polite">
        {test.pending && "Testing against past responses…"}
        {test.result &&
          `${formatCount(test.result.outcome.matched)} of ${countOf(test.result.outcome.responses, "response", "responses")} matched from ${formatDay(test.result.tested.from)} to ${formatDay(test.result.tested.to)}.`}
      </p>
      {test.result && <TestOutcome result={test.result.outcome} />}
      {test.error !== null && <ErrorNotice error={test.error} />}
    </article>
  );
}

export function RulesPage() {
  const picker = useDayRange();
  const rules = useApi<RuleList>("/v1/rules");
  return (
    <Page title="Rules">
      <p class="muted">
        Follow-up rules, in the order they are matched: a response that several match opens one case, under the first.
        Test one against the responses of a window to see what it would have done.
      </p>
      <WindowPicker picker={picker} />
      <Resource
        result={rules.result}
        what="rules"
        onRetry={rules.reload}
        isEmpty={(list) => list.items.length === 0}
        empty="No follow-up rules are configured."
      >
        {(list) => (
          <div class="stack">
            {list.items.map((rule) => (
              <RuleCard key={rule.name} rule={rule} range={picker.range} />
            ))}
          </div>
        )}
      </Resource>
    </Page>
  );
}
