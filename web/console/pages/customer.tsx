import { useId, useMemo, useRef, useState } from "preact/hooks";
import { useParams } from "wouter-preact";
import { apiRequest, downloadJson } from "../api";
import type { CustomerView, Erasure, ResponseRecord } from "../api-types";
import { Chart, type ChartData } from "../components/chart";
import { type Column, DataTable } from "../components/data-table";
import { Facts } from "../components/facts";
import { Field } from "../components/field";
import { Figure } from "../components/figure";
import { decodeParam, Time } from "../components/links";
import { CaseTable, ResponseTable } from "../components/lists";
import { Page, Section } from "../components/page";
import { EmptyState, ErrorNotice, Resource } from "../components/states";
import {
  countOf,
  formatCount,
  formatDateTime,
  formatDay,
  formatMoney,
  formatScore,
  formatSigned,
  NONE,
} from "../format";
import { useCapabilities } from "../me";
import { useApi, useMutation } from "../use-api";

const SCORE_TYPES = [
  { type: "nps", label: "NPS", color: "#1d4ed8" },
  { type: "csat", label: "CSAT", color: "#047857" },
  { type: "ces", label: "CES", color: "#b45309" },
] as const;

type CustomerEvent = CustomerView["events"][number];

function LatestScores({ latest }: { latest: CustomerView["latestScores"] }) {
  return (
    <div class="figures">
      {SCORE_TYPES.map(({ type, label }) => {
        const score = latest[type];
        return (
          <Figure
            key={label}
            label={label}
            value={formatScore(score?.score)}
            details={
              score === null
                ? ["no answer yet"]
                : [
                    score.category,
                    score.trend === null ? null : `${formatSigned(score.trend)} vs the answer before`,
                    `answered ${formatDateTime(score.at)}`,
                  ]
            }
          />
        );
      })}
    </div>
  );
}

/** Each answer's score over time, one line per question type (they are on different scales, so never averaged). */
function ScoresOverTime({ responses }: { responses: readonly ResponseRecord[] }) {
  const scored = useMemo(
    () =>
      responses
        .filter((response) => response.score !== null && SCORE_TYPES.some(({ type }) => type === response.type))
        .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)),
    [responses],
  );
  const chart = useMemo<ChartData>(
    () => ({
      x: scored.map((response) => Date.parse(response.submittedAt) / 1000),
      lines: SCORE_TYPES.filter(({ type }) => scored.some((response) => response.type === type)).map(
        ({ type, label, color }) => ({
          label,
          color,
          values: scored.map((response) => (response.type === type ? response.score : null)),
        }),
      ),
      yRange: [0, 10],
    }),
    [scored],
  );
  if (scored.length < 2) return <EmptyState>Fewer than two scored answers: nothing to chart yet.</EmptyState>;
  const summary = `Scores of ${countOf(scored.length, "answer", "answers")} from ${formatDateTime(scored[0]?.submittedAt ?? "")} to ${formatDateTime(scored.at(-1)?.submittedAt ?? "")}; the responses table below lists each one.`;
  return <Chart label={summary} data={chart} />;
}

const EVENT_COLUMNS: [Column<CustomerEvent>, ...Column<CustomerEvent>[]] = [
  { header: "Time", cell: (event) => <Time at={event.time} /> },
  { header: "Type", cell: (event) => event.type },
  { header: "Amount", numeric: true, cell: (event) => (event.amount === undefined ? NONE : formatCount(event.amount)) },
];

function CustomerDetails({ view }: { view: CustomerView }) {
  const { profile, churnRisk } = view;
  return (
    <>
      <Section title="Profile">
        {profile === null ? (
          <EmptyState>No profile: this customer is known from their responses only.</EmptyState>
        ) : (
          <Facts
            facts={[
              ["Name", profile.name],
              ["Email", profile.email],
              ["Segment", profile.segment],
              ["Plan", profile.plan],
              [
                "Annual value",
                profile.annualValue === undefined ? null : formatMoney(profile.annualValue, profile.currency ?? null),
              ],
              ["Customer since", profile.customerSince && formatDay(profile.customerSince)],
              ["Renewal", profile.renewalDate && formatDay(profile.renewalDate)],
              ["Account manager", profile.owner],
              ["Responses", profile.rollups && formatCount(profile.rollups.responseCount)],
            ]}
          />
        )}
      </Section>
      <Section title="Latest scores">
        <LatestScores latest={view.latestScores} />
      </Section>
      <Section title="Churn risk">
        <p>
          <span class={`badge risk-${churnRisk.level}`}>{churnRisk.level}</span> {Math.round(churnRisk.score * 100)}%
          chance of churning
        </p>
        {churnRisk.reasons.length > 0 && (
          <ul>
            {churnRisk.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Scores over time">
        <ScoresOverTime responses={view.responses} />
      </Section>
      <Section title="Responses">
        {view.responses.length === 0 ? (
          <EmptyState>No responses.</EmptyState>
        ) : (
          <ResponseTable caption="Responses" responses={view.responses} />
        )}
      </Section>
      <Section title="Cases">
        {view.cases.length === 0 ? (
          <EmptyState>No cases.</EmptyState>
        ) : (
          <CaseTable caption="Cases" cases={view.cases} />
        )}
      </Section>
      <Section title="Events">
        {view.events.length === 0 ? (
          <EmptyState>No operational events.</EmptyState>
        ) : (
          <DataTable
            caption="Operational events"
            hideCaption
            columns={EVENT_COLUMNS}
            rows={view.events}
            rowKey={(event) => event.id}
          />
        )}
      </Section>
    </>
  );
}

/**
 * Erasure cannot be undone, so it asks for the customer id to be typed, in a modal dialog that
 * takes focus and gives it back to the button that opened it.
 */
function EraseCustomer({ id, onErased }: { id: string; onErased: (erasure: Erasure) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const confirmation = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const [typed, setTyped] = useState("");
  const erase = useMutation(() => apiRequest<Erasure>(`/v1/customers/${encodeURIComponent(id)}`, { method: "DELETE" }));
  const open = () => {
    setTyped("");
    erase.reset();
    dialog.current?.showModal();
    confirmation.current?.focus();
  };
  const close = () => dialog.current?.close();
  return (
    <>
      <button type="button" class="button button-danger" ref={opener} onClick={open}>
        Erase customer
      </button>
      <dialog ref={dialog} class="dialog" aria-labelledby={titleId} onClose={() => opener.current?.focus()}>
        <form
          class="stack"
          onSubmit={async (event) => {
            event.preventDefault();
            const erasure = await erase.run();
            if (erasure === undefined) return;
            close();
            onErased(erasure);
          }}
        >
          <h2 id={titleId}>Erase customer {id}?</h2>
          <p>
            This deletes their profile and events, and removes comments, email and name from their responses and cases.
            Scores stay, anonymously. It cannot be undone.
          </p>
          <Field label="Type the customer id to confirm">
            {(inputId) => (
              <input
                id={inputId}
                ref={confirmation}
                type="text"
                autocomplete="off"
                spellcheck={false}
                value={typed}
                onInput={(event) => setTyped(event.currentTarget.value)}
              />
            )}
          </Field>
          {erase.error !== null && <ErrorNotice error={erase.error} />}
          <div class="button-row">
            <button type="submit" class="button button-danger" disabled={typed !== id || erase.pending}>
              Erase
            </button>
            <button type="button" class="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function AdminTools({ id, onErased }: { id: string; onErased: (erasure: Erasure) => void }) {
  const exporter = useMutation(() =>
    downloadJson(`/v1/customers/${encodeURIComponent(id)}/export`, `customer-${id}.json`),
  );
  return (
    <div class="stack">
      <div class="button-row">
        <button type="button" class="button" disabled={exporter.pending} onClick={() => exporter.run()}>
          Export
        </button>
        <EraseCustomer id={id} onErased={onErased} />
      </div>
      {exporter.error !== null && <ErrorNotice title="The export failed." error={exporter.error} />}
    </div>
  );
}

function ErasureReport({ erasure }: { erasure: Erasure }) {
  const { erased } = erasure;
  return (
    <Section title="Erased">
      <p>Nothing answers for {erasure.id} any more. Their scores still count, under a random pseudonym.</p>
      <Facts
        facts={[
          ["Profile", erased.profile ? "deleted" : "there was none"],
          ["Events deleted", formatCount(erased.events)],
          ["Responses anonymised", formatCount(erased.responses)],
          ["Cases anonymised", formatCount(erased.cases)],
        ]}
      />
    </Section>
  );
}

export function CustomerPage() {
  const id = decodeParam(useParams().id);
  const { admin } = useCapabilities();
  const view = useApi<CustomerView>(`/v1/customers/${encodeURIComponent(id)}`);
  const [erasure, setErasure] = useState<Erasure | null>(null);
  return (
    <Page title={`Customer ${id}`}>
      <p class="visually-hidden" role="status" aria-live="polite">
        {erasure === null ? "" : `Customer ${erasure.id} erased.`}
      </p>
      {erasure !== null ? (
        <ErasureReport erasure={erasure} />
      ) : (
        <Resource result={view.result} what="the customer" onRetry={view.reload}>
          {(data) => (
            <>
              {data.profile?.name && <p class="subtitle">{data.profile.name}</p>}
              {admin && <AdminTools id={id} onErased={setErasure} />}
              <CustomerDetails view={data} />
            </>
          )}
        </Resource>
      )}
    </Page>
  );
}
