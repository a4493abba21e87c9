import type { Case } from "../contracts/cases";
import {
  type CustomerProfile,
  type CustomerProfileInput,
  customerBatchSchema,
  customerProfileInputSchema,
  type NpsSplitCategory,
  type OperationalEvent,
  type OperationalEventInput,
} from "../contracts/customers";
import { customerIdSchema } from "../contracts/ids";
import type { ResponseRecord } from "../contracts/record";
import { storableProblems } from "../contracts/storable";
import { ClientError, itemError, notFound, validationFailed } from "./client-error";
import { customerView } from "./customer-view";
import { npsCategory } from "./scoring";
import { parseWith } from "./validation";

/** Where a page of a customer's responses stopped (the response store's cursor, opaque here). */
type ResponseCursor = { month?: string; key?: Record<string, unknown> };

/** How much history the 360° view shows; an export has everything. */
const VIEW_LIMIT = 50;
const EXPORT_LIMIT = 100_000;

export interface CustomerProfilePorts {
  customers: {
    get(id: string): Promise<CustomerProfile | null>;
    withEmail(email: string, limit: number): Promise<CustomerProfile[]>;
    /** Creates or replaces a profile; one merged into another is left alone (`mergedInto`). */
    put(
      id: string,
      input: CustomerProfileInput,
      now: Date,
    ): Promise<{ created: boolean; profile: CustomerProfile; duplicateOf: string[] } | { mergedInto: string }>;
    ensureMinimal(id: string, now: Date): Promise<void>;
    /** `conflict`: the id was recorded before with another time. */
    addEvent(event: OperationalEvent): Promise<"created" | "repeated" | "conflict">;
    events(customerId: string, limit?: number): Promise<OperationalEvent[]>;
  };
  responses: {
    list(query: { customerId: string; from: Date; to: Date; limit: number; cursor?: ResponseCursor }): Promise<{
      items: ResponseRecord[];
      nextCursor?: ResponseCursor | null;
    }>;
  };
  cases: { ofCustomer(customerId: string): Promise<Case[]> };
  /** Recomputes the customer's churn risk after something about them changed. */
  assessRisk(customerId: string, trigger: string): Promise<unknown>;
  newId: () => string;
  now: () => Date;
}

/**
 * `PUT /v1/customers/{id}`. A profile merged into another is a pointer and stays one: putting it is a 409 naming
 * the survivor, which is the profile to put.
 */
export async function putCustomer(
  id: string,
  input: CustomerProfileInput,
  ports: Pick<CustomerProfilePorts, "customers" | "now">,
): Promise<{ created: boolean; profile: CustomerProfile; duplicateOf: string[] }> {
  const outcome = await ports.customers.put(id, input, ports.now());
  if ("mergedInto" in outcome)
    throw new ClientError("conflict", `customer ${id} was merged into ${outcome.mergedInto}: put that profile`, [
      { path: "path.id", message: `merged into ${outcome.mergedInto}` },
    ]);
  return outcome;
}

/**
 * Creates or replaces up to 100 profiles (`{"customers": [...]}`), each checked on its own: a bad
 * item is reported with its index and stored nothing, the others are stored.
 */
export async function putCustomers(body: unknown, ports: Pick<CustomerProfilePorts, "customers" | "now">) {
  const envelope = parseWith(customerBatchSchema, body);
  if (!envelope.ok) throw validationFailed(envelope.details);
  const items = envelope.value.customers;
  const now = ports.now();
  const results = [];
  for (const [index, item] of items.entries()) {
    const prefix = `customers.${index}`;
    const unstorable = storableProblems(item, prefix);
    if (unstorable.length > 0) {
      results.push({ index, status: "rejected" as const, error: itemError(validationFailed(unstorable)) });
      continue;
    }
    const id = parseWith(customerIdSchema, (item as { id?: unknown } | null)?.id, `${prefix}.id`);
    const { id: _id, ...fields } = (item && typeof item === "object" ? item : {}) as Record<string, unknown>;
    const input = parseWith(customerProfileInputSchema, fields, prefix);
    if (!id.ok || !input.ok) {
      const details = [...(id.ok ? [] : id.details), ...(input.ok ? [] : input.details)];
      results.push({ index, status: "rejected" as const, error: itemError(validationFailed(details)) });
      continue;
    }
    const outcome = await ports.customers.put(id.value, input.value, now);
    if ("mergedInto" in outcome) {
      const merged = new ClientError("conflict", `customer ${id.value} was merged into ${outcome.mergedInto}`, [
        { path: `${prefix}.id`, message: `merged into ${outcome.mergedInto}` },
      ]);
      results.push({ index, status: "rejected" as const, error: itemError(merged) });
      continue;
    }
    results.push({
      index,
      id: id.value,
      status: outcome.created ? ("created" as const) : ("updated" as const),
      ...(outcome.duplicateOf.length ? { duplicateOf: outcome.duplicateOf } : {}),
    });
  }
  const rejected = results.filter((result) => result.status === "rejected").length;
  return { accepted: results.length - rejected, rejected, results };
}

/** The 360° view; a customer with neither a profile nor a response is not found. */
export async function showCustomer(
  id: string,
  { everything }: { everything: boolean },
  ports: Pick<CustomerProfilePorts, "customers" | "responses" | "cases" | "now">,
) {
  const now = ports.now();
  const limit = everything ? EXPORT_LIMIT : VIEW_LIMIT;
  const [profile, history, customerCases, events] = await Promise.all([
    ports.customers.get(id),
    ports.responses.list({ customerId: id, from: new Date(0), to: now, limit }),
    ports.cases.ofCustomer(id),
    ports.customers.events(id, everything ? undefined : VIEW_LIMIT),
  ]);
  if (!profile && history.items.length === 0) throw notFound(`no customer ${id}`);
  return customerView(profile, history.items, customerCases, events, now);
}

const SEARCH_LIMIT = 20;

/** A customer by exact id, and those with the email address: what a person types into the console's search. */
export async function searchCustomers(q: string, ports: Pick<CustomerProfilePorts, "customers">) {
  const asId = customerIdSchema.safeParse(q);
  const [byId, byEmail] = await Promise.all([
    asId.success ? ports.customers.get(asId.data) : null,
    q.includes("@") ? ports.customers.withEmail(q, SEARCH_LIMIT) : [],
  ]);
  const found = [...(byId ? [byId] : []), ...byEmail.filter((profile) => profile.id !== byId?.id)];
  return { items: found.slice(0, SEARCH_LIMIT) };
}

/** Responses read per page, and at most, looking for the customer's latest NPS answer before an event. */
const NPS_LOOKUP_PAGE = 100;
const NPS_LOOKUP_MAX = 1000;

/**
 * The category of the customer's latest NPS answer submitted at or before `time`, or `none`: newest first
 * through the by-customer index, so usually one page; a customer with more than 1,000 later-typed answers
 * in between and no NPS among them counts as `none`.
 */
export async function npsCategoryAsOf(
  customerId: string,
  time: string,
  responses: CustomerProfilePorts["responses"],
): Promise<NpsSplitCategory> {
  let cursor: ResponseCursor | undefined;
  for (let read = 0; read < NPS_LOOKUP_MAX; read += NPS_LOOKUP_PAGE) {
    const page = await responses.list({
      customerId,
      from: new Date(0),
      to: new Date(time),
      limit: NPS_LOOKUP_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    const latest = page.items.find((response) => response.type === "nps" && response.score !== null);
    if (latest?.score != null) return npsCategory(latest.score) as NpsSplitCategory;
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return "none";
}

/**
 * Records an operational event once per id; a new one can tip the customer's churn risk, a repeat changes
 * nothing. What KPIs split by is stamped on it as it was at the event: the category of the customer's
 * latest NPS answer by then, and the profile's segment.
 */
export async function recordOperationalEvent(
  customerId: string,
  input: OperationalEventInput,
  ports: Pick<CustomerProfilePorts, "customers" | "responses" | "assessRisk" | "newId" | "now">,
): Promise<{ created: boolean; event: OperationalEvent }> {
  await ports.customers.ensureMinimal(customerId, ports.now());
  const [profile, category] = await Promise.all([
    ports.customers.get(customerId),
    npsCategoryAsOf(customerId, input.time, ports.responses),
  ]);
  const event: OperationalEvent = {
    ...input,
    id: input.id ?? ports.newId(),
    customerId,
    npsCategory: category,
    ...(profile?.segment ? { segment: profile.segment } : {}),
  };
  const outcome = await ports.customers.addEvent(event);
  if (outcome === "conflict")
    throw new ClientError("idempotency_conflict", `event ${event.id} was recorded before with another time`, [
      { path: "id", message: "already recorded for this customer with another time; send a new id for a new event" },
    ]);
  const created = outcome === "created";
  if (created) await ports.assessRisk(customerId, `event ${event.id}`);
  return { created, event };
}
