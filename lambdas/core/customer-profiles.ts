import type { Case } from "../contracts/cases";
import {
  type CustomerProfile,
  type CustomerProfileInput,
  customerBatchSchema,
  customerProfileInputSchema,
  type OperationalEvent,
  type OperationalEventInput,
} from "../contracts/customers";
import { customerIdSchema } from "../contracts/ids";
import type { ResponseRecord } from "../contracts/record";
import { storableProblems } from "../contracts/storable";
import { itemError, notFound, validationFailed } from "./client-error";
import { customerView } from "./customer-view";
import { parseWith } from "./validation";

/** How much history the 360° view shows; an export has everything. */
const VIEW_LIMIT = 50;
const EXPORT_LIMIT = 100_000;

export interface CustomerProfilePorts {
  customers: {
    get(id: string): Promise<CustomerProfile | null>;
    withEmail(email: string, limit: number): Promise<CustomerProfile[]>;
    put(id: string, input: CustomerProfileInput, now: Date): Promise<{ created: boolean; profile: CustomerProfile }>;
    ensureMinimal(id: string, now: Date): Promise<void>;
    addEvent(event: OperationalEvent): Promise<boolean>;
    events(customerId: string, limit?: number): Promise<OperationalEvent[]>;
  };
  responses: {
    list(query: { customerId: string; from: Date; to: Date; limit: number }): Promise<{ items: ResponseRecord[] }>;
  };
  cases: { ofCustomer(customerId: string): Promise<Case[]> };
  /** Recomputes the customer's churn risk after something about them changed. */
  assessRisk(customerId: string, trigger: string): Promise<unknown>;
  newId: () => string;
  now: () => Date;
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
    const { created } = await ports.customers.put(id.value, input.value, now);
    results.push({ index, id: id.value, status: created ? ("created" as const) : ("updated" as const) });
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

/** Records an operational event once per id; a new one can tip the customer's churn risk, a repeat changes nothing. */
export async function recordOperationalEvent(
  customerId: string,
  input: OperationalEventInput,
  ports: Pick<CustomerProfilePorts, "customers" | "assessRisk" | "newId" | "now">,
): Promise<{ created: boolean; event: OperationalEvent }> {
  const event = { ...input, id: input.id ?? ports.newId(), customerId };
  await ports.customers.ensureMinimal(customerId, ports.now());
  const created = await ports.customers.addEvent(event);
  if (created) await ports.assessRisk(customerId, `event ${event.id}`);
  return { created, event };
}
