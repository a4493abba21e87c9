import type { Case, CasePatch, CaseStatus, Priority } from "../contracts/cases";
import { DetailType } from "../contracts/events";
import { applyPatch, type CaseEvents } from "./cases";
import { ClientError, notFound } from "./client-error";

export interface CaseQuery<Cursor> {
  status?: CaseStatus;
  owner?: string;
  priority?: Priority;
  /** Only cases due before this instant (and not closed). */
  overdueAt?: Date;
  limit: number;
  cursor?: Cursor;
}

export interface CaseWorkPorts<Cursor> {
  cases: {
    get(id: string): Promise<Case | null>;
    list(query: CaseQuery<Cursor>): Promise<{ items: Case[]; nextCursor: Cursor | null }>;
    /** Saves `next` unless the case changed since `read` (as `get` or `list` returned it) was read. */
    save(next: Case, read: Case): Promise<void>;
  };
  events: CaseEvents;
  now: () => Date;
  /** The store's answer when the case changed since it was read. */
  isConflict: (error: unknown) => boolean;
}

/** The queue of cases: `overdue` true lists those past due; false those still within their SLA. */
export async function listCases<Cursor>(
  filters: Omit<CaseQuery<Cursor>, "overdueAt"> & { overdue?: boolean },
  ports: Pick<CaseWorkPorts<Cursor>, "cases" | "now">,
) {
  const { overdue, ...query } = filters;
  const now = ports.now();
  const page = await ports.cases.list({ ...query, overdueAt: overdue === true ? now : undefined });
  const items = overdue === false ? page.items.filter((item) => new Date(item.dueAt) >= now) : page.items;
  return { items, nextCursor: page.nextCursor };
}

export async function getCase(
  id: string,
  ports: { cases: Pick<CaseWorkPorts<unknown>["cases"], "get"> },
): Promise<Case> {
  const found = await ports.cases.get(id);
  if (!found) throw notFound(`no case ${id}`);
  return found;
}

const changedMeanwhile = (why: string) =>
  new ClientError("version_conflict", `${why}; read it again and retry`, [
    { path: "header.If-Match", message: "someone else changed the case since it was read" },
  ]);

/**
 * Applies an agent's change to a case with optimistic concurrency: a case changed since it was read
 * (`edit.readVersion`, the `If-Match` the console sends, or between this read and the save) is refused
 * with 409, never overwritten. Publishes Case Updated, or Case Closed when it closed.
 */
export async function updateCase(
  id: string,
  patch: CasePatch,
  edit: { actor: string; readVersion?: number },
  ports: Omit<CaseWorkPorts<unknown>, "cases"> & { cases: Pick<CaseWorkPorts<unknown>["cases"], "get" | "save"> },
): Promise<Case> {
  const { actor, readVersion } = edit;
  const current = await getCase(id, ports);
  if (readVersion !== undefined && readVersion !== current.version)
    throw changedMeanwhile(`the case is at version ${current.version}, you edited version ${readVersion}`);
  const outcome = applyPatch(current, patch, actor, ports.now());
  if (!outcome.ok) throw new ClientError("conflict", outcome.conflict, [{ path: "status", message: outcome.conflict }]);
  if (outcome.changes.length === 0) return current;
  try {
    await ports.cases.save(outcome.case, current);
  } catch (error) {
    if (ports.isConflict(error)) throw changedMeanwhile("the case changed while this edit was saved");
    throw error;
  }
  await ports.events.caseEvent(outcome.closed ? DetailType.CaseClosed : DetailType.CaseUpdated, {
    case: outcome.case,
    changes: outcome.changes,
    by: actor,
  });
  return outcome.case;
}
