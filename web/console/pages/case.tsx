import { useEffect, useRef, useState } from "preact/hooks";
import { useParams } from "wouter-preact";
import { CASE_TRANSITIONS } from "../../../lambdas/contracts/case-states";
import { ApiError, apiRequest } from "../api";
import type { Case } from "../api-types";
import { PRIORITY_LABELS, STATUS_ACTIONS, STATUS_LABELS } from "../case-states";
import { Facts } from "../components/facts";
import { Field } from "../components/field";
import { CustomerLink, decodeParam, Time } from "../components/links";
import { SlaCountdown } from "../components/lists";
import { Page, Section } from "../components/page";
import { ErrorNotice, Resource } from "../components/states";
import { formatMoney, formatScore, NONE } from "../format";
import { useCapabilities } from "../me";
import { useApi, useMutation } from "../use-api";

type CasePatch = { status: Case["status"] } | { owner: string } | { note: string };

/** Someone saved the case after this page read it (a bad status move is another 409, `conflict`, shown as is). */
const isStaleCopy = (error: unknown) => error instanceof ApiError && error.code === "version_conflict";

function CaseActions({ item, onSaved, onReload }: { item: Case; onSaved: (item: Case) => void; onReload: () => void }) {
  const [note, setNote] = useState("");
  const [owner, setOwner] = useState(item.owner);
  // A reload or a save can bring another owner: show the case's, not what was typed for the old copy.
  useEffect(() => setOwner(item.owner), [item.owner]);
  const [announcement, setAnnouncement] = useState("");
  const noteField = useRef<HTMLTextAreaElement>(null);
  const savedJustNow = useRef(false);
  // The button just used is disabled once its move is done, which drops focus to the page; keep it in the form.
  useEffect(() => {
    if (savedJustNow.current && document.activeElement === document.body) noteField.current?.focus();
    savedJustNow.current = false;
  }, [item.version]);
  const save = useMutation((patch: CasePatch) =>
    apiRequest<Case>(`/v1/cases/${encodeURIComponent(item.id)}`, {
      method: "PATCH",
      body: patch,
      // Optimistic concurrency: the API refuses the change if the case moved past the version shown here.
      headers: { "If-Match": String(item.version) },
    }),
  );
  const apply = async (patch: CasePatch, done: string) => {
    setAnnouncement("");
    const saved = await save.run(patch);
    if (saved === undefined) return;
    savedJustNow.current = true;
    onSaved(saved);
    setAnnouncement(done);
    if ("note" in patch) setNote("");
  };
  const reload = () => {
    save.reset();
    setAnnouncement("");
    onReload();
  };
  const trimmedOwner = owner.trim();
  return (
    <Section title="Work the case">
      {/* Buttons stay enabled while a change is saved (disabling the focused one would drop keyboard focus); a second click is ignored. */}
      <div class="card stack" aria-busy={save.pending}>
        <div class="button-row">
          {STATUS_ACTIONS.map((action) => (
            <button
              key={action.to}
              type="button"
              class="button button-primary"
              disabled={!CASE_TRANSITIONS[item.status].includes(action.to)}
              onClick={() => apply({ status: action.to }, action.done)}
            >
              {action.label}
            </button>
          ))}
        </div>
        <form
          class="stack compact"
          onSubmit={(event) => {
            event.preventDefault();
            apply({ note: note.trim() }, "Note added.");
          }}
        >
          <Field label="Note">
            {(id) => (
              <textarea
                id={id}
                ref={noteField}
                rows={3}
                value={note}
                onInput={(event) => setNote(event.currentTarget.value)}
              />
            )}
          </Field>
          <div>
            <button type="submit" class="button" disabled={note.trim() === ""}>
              Add note
            </button>
          </div>
        </form>
        <form
          class="toolbar compact"
          onSubmit={(event) => {
            event.preventDefault();
            apply({ owner: trimmedOwner }, `Case reassigned to ${trimmedOwner}.`);
          }}
        >
          <Field label="Owner">
            {(id) => (
              <input id={id} type="text" value={owner} onInput={(event) => setOwner(event.currentTarget.value)} />
            )}
          </Field>
          <button type="submit" class="button" disabled={trimmedOwner === "" || trimmedOwner === item.owner}>
            Reassign
          </button>
        </form>
        {save.error !== null &&
          (isStaleCopy(save.error) ? (
            <div class="notice notice-error" role="alert">
              <p>
                <strong>This case was changed by someone else</strong> after you opened it, so your change was not
                saved. Reload to see the latest version, then try again.
              </p>
              <button type="button" class="button" onClick={reload}>
                Reload
              </button>
            </div>
          ) : (
            <ErrorNotice error={save.error} />
          ))}
        <p class="status-message" role="status" aria-live="polite">
          {announcement}
        </p>
      </div>
    </Section>
  );
}

function CaseDetails({ item }: { item: Case }) {
  const { response, churnRisk } = item;
  const customer = response?.customer ?? null;
  return (
    <>
      <Section title="Response">
        {response === null ? (
          <>
            <p>Opened because the customer's churn risk crossed the threshold, not by a response.</p>
            {churnRisk && (
              <Facts
                facts={[
                  ["Churn risk", `${Math.round(churnRisk.score * 100)}% (${churnRisk.level})`],
                  ["Reasons", churnRisk.reasons.join("; ") || NONE],
                ]}
              />
            )}
          </>
        ) : (
          <>
            {response.comment !== null && <blockquote class="comment">{response.comment}</blockquote>}
            <Facts
              facts={[
                ["Score", `${response.type.toUpperCase()} ${formatScore(response.score)}`],
                ["Survey", response.survey],
                ["Channel", response.channel],
                ["Touchpoint", response.touchpoint],
                ["Journey stage", response.stage],
                ["Submitted", <Time key="submitted" at={response.submittedAt} />],
              ]}
            />
          </>
        )}
      </Section>
      <Section title="Customer">
        <Facts
          facts={[
            ["Customer", <CustomerLink key="customer" id={item.customerId} />],
            ["Name", customer?.name],
            ["Email", customer?.email],
            ["Segment", customer?.segment],
            ["Plan", customer?.plan],
            [
              "Annual value",
              customer?.annualValue === null || customer?.annualValue === undefined
                ? null
                : formatMoney(customer.annualValue, customer.currency),
            ],
          ]}
        />
      </Section>
      <Section title="Notes">
        {item.notes.length === 0 ? (
          <p class="state">No notes yet.</p>
        ) : (
          <ol class="timeline">
            {item.notes.map((note) => (
              <li key={`${note.at}-${note.by}`}>
                <p class="timeline-meta">
                  <Time at={note.at} /> · {note.by}
                </p>
                <p class="note-text">{note.text}</p>
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title="History">
        <ol class="timeline">
          {item.history.map((entry) => (
            <li key={`${entry.at}-${entry.change}`}>
              <p class="timeline-meta">
                <Time at={entry.at} /> · {entry.by}
              </p>
              <p>{entry.change}</p>
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}

export function CasePage() {
  const id = decodeParam(useParams().id);
  const { workCases } = useCapabilities();
  const caseResource = useApi<Case>(`/v1/cases/${encodeURIComponent(id)}`);
  return (
    <Page title={`Case ${id}`}>
      <Resource result={caseResource.result} what="the case" onRetry={caseResource.reload}>
        {(item) => (
          <>
            <Facts
              facts={[
                [
                  "Status",
                  <span key="status" class={`badge status-${item.status}`}>
                    {STATUS_LABELS[item.status]}
                  </span>,
                ],
                ["Priority", PRIORITY_LABELS[item.priority]],
                ["Owner", item.owner],
                ["SLA", <SlaCountdown key="sla" item={item} />],
                ["Due", <Time key="due" at={item.dueAt} />],
                ["Escalation level", String(item.escalationLevel)],
                ["Rule", item.rule],
                ["Root cause", item.rootCause],
                ["Opened", <Time key="opened" at={item.createdAt} />],
              ]}
            />
            {workCases && <CaseActions item={item} onSaved={caseResource.replace} onReload={caseResource.reload} />}
            <CaseDetails item={item} />
          </>
        )}
      </Resource>
    </Page>
  );
}
