import { createHash } from "node:crypto";
import type { Case } from "../contracts/cases";
import type { CustomerDuplicateGroup, CustomerMerge, DuplicateReason } from "../contracts/customer-merge";
import type { CustomerProfile, OperationalEvent } from "../contracts/customers";
import { ClientError, notFound, validationFailed } from "./client-error";
import { type CustomerMovePorts, moveResponsesOf, rewriteCasesOf } from "./customer-moves";

/**
 * One profile per customer: the keys that make two profiles likely duplicates, and the merge that folds one
 * into the other (`POST /v1/customers/{id}/merge`).
 */

/** A key two profiles share when they are likely one customer; stored as a hash, never the address or number. */
export interface DuplicateKey {
  key: string;
  reason: DuplicateReason;
}

export const normalizedEmail = (email: string) => email.normalize("NFKC").trim().toLowerCase();
/** The digits, with the `+` of an international number: `+49 (30) 123-4567` → `+49301234567`. */
export const normalizedPhone = (phone: string) =>
  `${phone.trim().startsWith("+") ? "+" : ""}${phone.replace(/[^0-9]/g, "")}`;
export const normalizedName = (name: string) => name.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const EMAIL_KEY = "email:";
const NAME_PHONE_KEY = "name-phone:";

/**
 * The duplicate keys of a profile: its email address whatever its case, and its name with its phone number when it
 * has both (a name alone is too common, a phone alone is shared by households and switchboards).
 */
export function duplicateKeys(profile: Pick<CustomerProfile, "email" | "name" | "phone">): DuplicateKey[] {
  const keys: DuplicateKey[] = [];
  if (profile.email) keys.push({ key: `${EMAIL_KEY}${sha256(normalizedEmail(profile.email))}`, reason: "email" });
  if (profile.name && profile.phone)
    keys.push({
      key: `${NAME_PHONE_KEY}${sha256(`${normalizedName(profile.name)}\n${normalizedPhone(profile.phone)}`)}`,
      reason: "name+phone",
    });
  return keys;
}

export const reasonOfKey = (key: string): DuplicateReason => (key.startsWith(EMAIL_KEY) ? "email" : "name+phone");

/**
 * A group from the index as the API shows it: only the members whose profile still has the key and was not merged
 * away (the index is updated after the profile, so a crash in between may leave a stale member), oldest first;
 * null when fewer than two remain.
 */
export function verifiedGroup(
  key: string,
  members: readonly string[],
  profiles: ReadonlyMap<string, CustomerProfile>,
): CustomerDuplicateGroup | null {
  const customers = members
    .map((id) => profiles.get(id))
    .filter((profile): profile is CustomerProfile => profile !== undefined && profile.mergedInto === undefined)
    .filter((profile) => duplicateKeys(profile).some((own) => own.key === key))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return customers.length >= 2 ? { reason: reasonOfKey(key), customers } : null;
}

export interface DuplicatePorts {
  duplicates: {
    /** A page of keys that two or more profiles share, with their members, from the index. */
    groups(
      limit: number,
      cursor: Record<string, unknown> | undefined,
    ): Promise<{ groups: { key: string; members: string[] }[]; nextCursor: Record<string, unknown> | null }>;
  };
  customers: { getMany(ids: readonly string[]): Promise<CustomerProfile[]> };
}

/** `GET /v1/customers/duplicates`: one page of the index, each group checked against the profiles it names. */
export async function listDuplicates(
  query: { limit: number; cursor?: Record<string, unknown> },
  ports: DuplicatePorts,
): Promise<{ items: CustomerDuplicateGroup[]; nextCursor: Record<string, unknown> | null }> {
  const page = await ports.duplicates.groups(query.limit, query.cursor);
  const ids = [...new Set(page.groups.flatMap((group) => group.members))];
  const profiles = new Map((await ports.customers.getMany(ids)).map((profile) => [profile.id, profile]));
  const items = page.groups
    .map((group) => verifiedGroup(group.key, group.members, profiles))
    .filter((group): group is CustomerDuplicateGroup => group !== null);
  return { items, nextCursor: page.nextCursor };
}

/** A merge as the absorbed profile records it, so a retry continues it and a repeat answers the same. */
export interface MergeRecord {
  into: string;
  by: string;
  startedAt: string;
  completedAt: string | null;
  moved: { responses: number; cases: number; events: number };
}

export interface MergeHistoryEntry {
  at: string;
  by: string;
  change: string;
}

export const MERGED_CASE_CHANGE = "customer profiles merged: case moved from a duplicate profile";

/** A case after its customer's profile was merged into another, or null when it is no longer theirs. */
export function mergedCase(item: Case, merge: { from: string; into: string; by: string; at: Date }): Case | null {
  if (item.customerId !== merge.from) return null;
  const at = merge.at.toISOString();
  return {
    ...item,
    customerId: merge.into,
    response: item.response && {
      ...item.response,
      customer: item.response.customer && { ...item.response.customer, id: merge.into },
    },
    // Without the ids: an erasure of the survivor keeps case histories, and must leave nothing that names it.
    history: [...item.history, { at, by: merge.by, change: MERGED_CASE_CHANGE }],
    updatedAt: at,
    version: item.version + 1,
  };
}

export interface MergePorts extends CustomerMovePorts {
  customers: {
    get(id: string): Promise<CustomerProfile | null>;
    /** Whether an erasure of the id has begun and not finished. */
    erasureUnderway(id: string): Promise<boolean>;
    /**
     * Turns `from` into a pointer to `into`: `mergedInto` set, its own fields, risk, rollups and duplicate keys
     * removed; the merge record is started unless it exists. Null when `from` has no profile or points elsewhere.
     */
    beginMerge(from: string, into: string, by: string, at: Date): Promise<MergeRecord | null>;
    /** Adds to the record's totals. */
    countMoved(from: string, moved: Partial<MergeRecord["moved"]>): Promise<void>;
    /** The customer's operational events, page by page. */
    eventPages(customerId: string): AsyncIterable<OperationalEvent[]>;
    /** Records the event under `into` (once: the same event on both profiles is kept once) and deletes it from its customer. */
    moveEvent(event: OperationalEvent, into: string): Promise<boolean>;
    /** Writes the history entries (each once) and the completion; answers the record as it stands (null: erased meanwhile). */
    completeMerge(
      from: string,
      into: string,
      entries: { survivor: MergeHistoryEntry; absorbed: MergeHistoryEntry },
    ): Promise<MergeRecord | null>;
  };
  responses: CustomerMovePorts["responses"] & {
    /** Moves one response from `customerId` to `to`; false when it is not `customerId`'s (any more). */
    reassign(id: string, customerId: string, to: string): Promise<boolean>;
    /** The customer's responses as the by-customer index counts them (it lags the moves a little on AWS). */
    countForCustomer(customerId: string): Promise<number>;
  };
  /** Waits a little: for the by-customer index to show the moves before the survivor's rollups are counted from it. */
  pause?: (ms: number) => Promise<void>;
  /** Recomputes the customer's churn risk and rollups (response count, latest scores, open cases). */
  assessRisk(customerId: string, trigger: string): Promise<unknown>;
}

const conflict = (message: string, path: string) => new ClientError("conflict", message, [{ path, message }]);

/**
 * `POST /v1/customers/{into}/merge {"from"}`: moves `from`'s responses, cases and operational events onto `into`,
 * recomputes `into`'s rollups and risk, and leaves `from` as a pointer (`mergedInto`), the merge in both profiles'
 * history. Every step is safe to repeat: the pointer is written first (it also keeps `from` from being merged
 * elsewhere or into), each move is conditional on the record still being `from`'s, the totals are kept on the
 * pointer, and the history is written once. So a call that runs out of time (`hasTime`: 503 with Retry-After) or
 * fails is sent again and continues, and a repeat of a finished merge moves nothing and answers the same (it
 * still moves what reached `from` since, e.g. a response submitted under the old id).
 */
export async function mergeCustomers(
  into: string,
  from: string,
  by: string,
  ports: MergePorts,
  hasTime: () => boolean = () => true,
): Promise<CustomerMerge> {
  if (into === from)
    throw validationFailed([{ path: "from", message: "must be another profile than the one it is merged into" }]);
  const [target, source, targetErasing, sourceErasing] = await Promise.all([
    ports.customers.get(into),
    ports.customers.get(from),
    ports.customers.erasureUnderway(into),
    ports.customers.erasureUnderway(from),
  ]);
  if (!target) throw notFound(`no customer ${into}`);
  if (target.mergedInto)
    throw conflict(`customer ${into} was merged into ${target.mergedInto}: merge into that one`, "path.id");
  if (targetErasing) throw conflict(`customer ${into} is being erased`, "path.id");
  if (!source)
    throw new ClientError("not_found", `no customer ${from}`, [{ path: "from", message: "no such customer" }]);
  if (source.mergedInto && source.mergedInto !== into)
    throw conflict(`customer ${from} was merged into ${source.mergedInto} already`, "from");
  if (sourceErasing) throw conflict(`customer ${from} is being erased`, "from");

  const begun = await ports.customers.beginMerge(from, into, by, ports.now());
  if (!begun) {
    const now = await ports.customers.get(from);
    if (!now)
      throw new ClientError("not_found", `no customer ${from}`, [{ path: "from", message: "no such customer" }]);
    throw conflict(`customer ${from} was merged into ${now.mergedInto ?? "another profile"} meanwhile`, "from");
  }

  const unfinished = () =>
    new ClientError("unavailable", "the merge is not finished: send it again to continue", [], { "retry-after": "1" });
  let movedNow = 0;
  const counted = async (moved: Partial<MergeRecord["moved"]>, count: number) => {
    if (count === 0) return;
    movedNow += count;
    await ports.customers.countMoved(from, moved);
  };
  await moveResponsesOf(from, (id) => ports.responses.reassign(id, from, into), ports, {
    hasTime,
    unfinished,
    afterPage: (moved) => counted({ responses: moved }, moved),
  });
  await rewriteCasesOf(from, (current) => mergedCase(current, { from, into, by, at: ports.now() }), ports, {
    hasTime,
    unfinished,
    afterCase: () => counted({ cases: 1 }, 1),
  });
  for await (const page of ports.customers.eventPages(from)) {
    if (!hasTime()) throw unfinished();
    const moved = (await Promise.all(page.map((event) => ports.customers.moveEvent(event, into)))).filter(Boolean);
    await counted({ events: moved.length }, moved.length);
  }

  if (movedNow > 0 || !begun.completedAt) {
    // The rollups are counted through the by-customer index, which shows a move a moment after it (on AWS): wait
    // until it shows nothing left under `from`, within the budget (a 503 then, and the next call counts again).
    const pause = ports.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let waited = 0; ; waited++) {
      const [responsesLeft, casesLeft] = await Promise.all([
        ports.responses.countForCustomer(from),
        ports.cases.ofCustomer(from),
      ]);
      if (responsesLeft === 0 && casesLeft.length === 0) break;
      if (!hasTime()) throw unfinished();
      await pause(Math.min(1000, 50 * 2 ** waited));
    }
    // Before completing: a crash after the completion must not leave the rollups unrecomputed.
    await ports.assessRisk(into, `merge of customer ${from}`);
  }
  const at = ports.now().toISOString();
  const record = await ports.customers.completeMerge(from, into, {
    survivor: { at, by, change: `merged customer ${from} into this profile` },
    absorbed: { at, by, change: `merged into customer ${into}` },
  });
  if (!record) throw conflict(`customer ${from} was erased during its merge`, "from");
  const profile = await ports.customers.get(into);
  if (!profile) throw notFound(`no customer ${into}: erased meanwhile`);
  return {
    id: into,
    from,
    by: record.by,
    startedAt: record.startedAt,
    completedAt: record.completedAt ?? at,
    moved: record.moved,
    profile,
  };
}
