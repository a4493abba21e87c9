import type { Case } from "../contracts/cases";
import type { CustomerSnapshot } from "../contracts/record";
import { RETENTION_RULE, retentionCaseIds } from "./cases";
import { ClientError, notFound } from "./client-error";
import { type CustomerMovePorts, moveResponsesOf, rewriteCasesOf } from "./customer-moves";

/** What an erased customer's responses and cases are kept under: `erased-<ULID>`. */
export const ERASED_PREFIX = "erased-";
/** What a case note's text becomes: the note stays (who wrote it, when), its words go. */
export const ERASED_TEXT = "[erased]";

/**
 * A fresh pseudonym. Random, never derived from the id (a hash or HMAC of it could be found again by
 * trying ids), and one per erasure, so the customer's responses and cases still count as one customer.
 */
export const newPseudonym = (newId: () => string) => `${ERASED_PREFIX}${newId()}`;

/** A customer snapshot after erasure: the pseudonym for the id, no email or name; segment and value stay for metrics. */
export function erasedSnapshot(snapshot: CustomerSnapshot, pseudonym: string): CustomerSnapshot {
  const { email: _email, name: _name, ...kept } = snapshot;
  return { ...kept, id: pseudonym };
}

export interface CaseErasure {
  customerId: string;
  pseudonym: string;
  /** Who erased: recorded in the case history like any other change. */
  by: string;
  at: Date;
}

/**
 * A case after its customer's erasure, or null when it is no longer theirs (a stale index entry of a case
 * already moved). A retention case's ids name the customer, so it gets the pseudonym's ids.
 */
export function erasedCase(item: Case, erasure: CaseErasure): Case | null {
  const { customerId, pseudonym } = erasure;
  if (item.customerId !== customerId) return null;
  const at = erasure.at.toISOString();
  const retentionPrefix = retentionCaseIds(customerId, "").id;
  const ids =
    item.rule === RETENTION_RULE && item.id.startsWith(retentionPrefix)
      ? retentionCaseIds(pseudonym, item.id.slice(retentionPrefix.length))
      : {};
  return {
    ...item,
    ...ids,
    customerId: pseudonym,
    response: item.response && {
      ...item.response,
      comment: null,
      customer: item.response.customer && erasedSnapshot(item.response.customer, pseudonym),
    },
    notes: item.notes.map((note) => ({ ...note, text: ERASED_TEXT })),
    history: [...item.history, { at, by: erasure.by, change: "customer erased: personal data removed" }],
    updatedAt: at,
    version: item.version + 1,
  };
}

export interface ErasurePorts extends CustomerMovePorts {
  customers: {
    /**
     * Starts the customer's erasure under `pseudonym`, or finds the one an earlier, unfinished attempt
     * started: its pseudonym is used, so every response and case of the customer ends up under one.
     */
    beginErasure(customerId: string, pseudonym: string, at: Date): Promise<{ pseudonym: string; resumed: boolean }>;
    /** Deletes the operational events, then the profile, then the erasure begun above. */
    erase(customerId: string): Promise<{ profile: boolean; events: number }>;
  };
  responses: CustomerMovePorts["responses"] & {
    /** Moves one response under the pseudonym without comment, email or name; false if it is not the customer's (any more). */
    pseudonymize(id: string, customerId: string, pseudonym: string): Promise<boolean>;
  };
  newId: () => string;
}

/**
 * Erasure (`DELETE /v1/customers/{id}`): afterwards nothing answers for the id. The profile and operational
 * events are deleted; responses and cases stay with their scores (so metrics stay right) under a random
 * pseudonym, without comment, email, name or note text. A call that runs out of time (`hasTime`) or fails
 * leaves the rest for the next DELETE, which continues under the same pseudonym. Nothing held under the
 * id, and no erasure of it unfinished, is a 404: a repeated DELETE of an erased customer is one.
 */
export async function eraseCustomer(
  customerId: string,
  by: string,
  ports: ErasurePorts,
  hasTime: () => boolean = () => true,
) {
  const { pseudonym, resumed } = await ports.customers.beginErasure(customerId, newPseudonym(ports.newId), ports.now());
  // A 503 is logged with its message, so the message leaves the id out.
  const unfinished = () =>
    new ClientError("unavailable", "the erasure is not finished: send DELETE again to continue it", [], {
      "retry-after": "1",
    });

  const budget = { hasTime, unfinished };
  const responses = await moveResponsesOf(
    customerId,
    (id) => ports.responses.pseudonymize(id, customerId, pseudonym),
    ports,
    budget,
  );
  const cases = await rewriteCasesOf(
    customerId,
    (current) => erasedCase(current, { customerId, pseudonym, by, at: ports.now() }),
    ports,
    budget,
  );

  const erased = await ports.customers.erase(customerId);
  if (!resumed && !erased.profile && erased.events === 0 && responses === 0 && cases === 0)
    throw notFound(`nothing is held for customer ${customerId}: never known, or already erased`);
  return { id: customerId, erased: { ...erased, responses, cases } };
}
