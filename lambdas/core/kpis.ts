import { type NpsSplitCategory, npsSplitCategories, type OperationalEvent } from "../contracts/customers";
import type { KpiGroupBy, KpiSet, KpisQuery, KpisReport } from "../contracts/kpis";
import { DEFAULT_MIN_RESPONSES, PERIODS, type Period } from "../contracts/metrics";
import { dayOf } from "./calendar";
import { validationFailed } from "./client-error";
import { shareInterval } from "./intervals";
import { addDays, periodKey, resolveWindow, round2, type Window } from "./metrics";

/**
 * Operational KPIs from operational events (docs/metrics.md, "Operational KPIs"): churn and retention,
 * repurchase, first-contact resolution and revenue, overall, per period or segment, and per category of the
 * customer's latest NPS answer as of each event (stamped on the event when it was recorded).
 */

/** What the KPIs read of an event. */
export type KpiEvent = Pick<
  OperationalEvent,
  | "id"
  | "customerId"
  | "type"
  | "time"
  | "amount"
  | "currency"
  | "contactsToResolve"
  | "resolved"
  | "npsCategory"
  | "segment"
>;

/** Money keeps 4 decimals (the most any ISO 4217 currency has), so sums carry no float noise. */
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
const categoryOf = (event: KpiEvent): NpsSplitCategory => event.npsCategory ?? "none";
/** Events in time order; equal times by id, so "the last decision" is always the same one. */
const chronological = (a: KpiEvent, b: KpiEvent) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id);

function rate(numerator: number, denominator: number, minResponses: number) {
  const interval = shareInterval(numerator, denominator);
  return {
    rate: denominator === 0 ? null : round2((100 * numerator) / denominator),
    numerator,
    denominator,
    ci95: interval && { low: round2(100 * interval.low), high: round2(100 * interval.high) },
    insufficient: denominator < minResponses,
  };
}

/**
 * One customer's outcome in a group: the event it is attributed to decides its NPS category. For churn it is the
 * customer's last renewal or cancellation (what decided); for repurchase, their first purchase (what they were
 * when they bought, before they did or did not buy again).
 */
interface CustomerOutcome {
  category: NpsSplitCategory;
  success: boolean;
}

/** Counts of one group of events, per NPS category (the overall figures are their sums, but customers are distinct). */
interface Tally {
  churn: CustomerOutcome[];
  repurchase: CustomerOutcome[];
  /** Resolved tickets: whether each took one contact. */
  tickets: { category: NpsSplitCategory; resolved: boolean; firstContact: boolean }[];
  money: {
    category: NpsSplitCategory;
    customerId: string;
    currency: string;
    amount: number;
    type: "purchase" | "return";
  }[];
  customers: { category: NpsSplitCategory; customerId: string }[];
}

function tally(events: readonly KpiEvent[]): Tally {
  const sorted = [...events].sort(chronological);
  const decisions = new Map<string, KpiEvent>();
  const purchases = new Map<string, KpiEvent[]>();
  const result: Tally = { churn: [], repurchase: [], tickets: [], money: [], customers: [] };
  for (const event of sorted) {
    const category = categoryOf(event);
    result.customers.push({ category, customerId: event.customerId });
    switch (event.type) {
      case "renewal":
      case "cancellation":
        decisions.set(event.customerId, event);
        break;
      case "purchase":
        purchases.set(event.customerId, [...(purchases.get(event.customerId) ?? []), event]);
        break;
      case "support-ticket": {
        const resolved = event.resolved ?? event.contactsToResolve !== undefined;
        result.tickets.push({ category, resolved, firstContact: resolved && event.contactsToResolve === 1 });
        break;
      }
    }
    if ((event.type === "purchase" || event.type === "return") && event.amount !== undefined && event.currency)
      result.money.push({
        category,
        customerId: event.customerId,
        currency: event.currency,
        amount: event.amount,
        type: event.type,
      });
  }
  for (const last of decisions.values())
    result.churn.push({ category: categoryOf(last), success: last.type === "cancellation" });
  for (const bought of purchases.values())
    result.repurchase.push({ category: categoryOf(bought[0] as KpiEvent), success: bought.length >= 2 });
  return result;
}

function revenueOf(money: Tally["money"]): KpiSet["revenue"] {
  const byCurrency = new Map<
    string,
    { purchases: number; returns: number; purchaseCount: number; returnCount: number; customers: Set<string> }
  >();
  for (const entry of money) {
    const sums = byCurrency.get(entry.currency) ?? {
      purchases: 0,
      returns: 0,
      purchaseCount: 0,
      returnCount: 0,
      customers: new Set<string>(),
    };
    if (entry.type === "purchase") {
      sums.purchases += entry.amount;
      sums.purchaseCount += 1;
    } else {
      sums.returns += entry.amount;
      sums.returnCount += 1;
    }
    sums.customers.add(entry.customerId);
    byCurrency.set(entry.currency, sums);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, sums]) => {
      const net = sums.purchases - sums.returns;
      return {
        currency,
        purchases: round4(sums.purchases),
        returns: round4(sums.returns),
        net: round4(net),
        purchaseCount: sums.purchaseCount,
        returnCount: sums.returnCount,
        customers: sums.customers.size,
        perCustomer: round2(net / sums.customers.size),
      };
    });
}

function kpiSet(counts: Tally, minResponses: number): KpiSet {
  const churned = counts.churn.filter((outcome) => outcome.success).length;
  const decided = counts.churn.length;
  const resolved = counts.tickets.filter((ticket) => ticket.resolved);
  return {
    churn: rate(churned, decided, minResponses),
    retention: rate(decided - churned, decided, minResponses),
    repurchase: rate(
      counts.repurchase.filter((outcome) => outcome.success).length,
      counts.repurchase.length,
      minResponses,
    ),
    firstContactResolution: rate(
      resolved.filter((ticket) => ticket.firstContact).length,
      resolved.length,
      minResponses,
    ),
    revenue: revenueOf(counts.money),
    supportTickets: counts.tickets.length,
    customers: new Set(counts.customers.map((entry) => entry.customerId)).size,
  };
}

function only(counts: Tally, category: NpsSplitCategory): Tally {
  const mine = <T extends { category: NpsSplitCategory }>(entries: T[]) =>
    entries.filter((entry) => entry.category === category);
  return {
    churn: mine(counts.churn),
    repurchase: mine(counts.repurchase),
    tickets: mine(counts.tickets),
    money: mine(counts.money),
    customers: mine(counts.customers),
  };
}

function breakdown(events: readonly KpiEvent[], minResponses: number) {
  const counts = tally(events);
  return {
    ...kpiSet(counts, minResponses),
    byNpsCategory: Object.fromEntries(
      npsSplitCategories.map((category) => [category, kpiSet(only(counts, category), minResponses)]),
    ) as Record<NpsSplitCategory, KpiSet>,
  };
}

const isPeriod = (groupBy: KpiGroupBy): groupBy is Period => (PERIODS as readonly string[]).includes(groupBy);

/** Every period of the window, oldest first; stops at 9999-12-31, whose next day is no longer a `YYYY-MM-DD`. */
function periodsOf(window: Window, period: Period): string[] {
  const keys: string[] = [];
  for (let day = window.from; isDay(day) && day <= window.to; day = addDays(day, 1)) {
    const key = periodKey(day, period);
    if (keys.at(-1) !== key) keys.push(key);
  }
  return keys;
}

/**
 * The KPIs of a window from its events. Each group is computed from its own events: a customer who bought once
 * in each of two weeks repurchased in the window, but in neither week. Period groups list every period of the
 * window (empty ones too), oldest first; segment groups the segments seen, most events first.
 */
export function computeKpis(input: {
  window: Window;
  groupBy: KpiGroupBy | null;
  events: readonly KpiEvent[];
  /** The stage's metrics time zone: which day (and so period) an event counts in. */
  timeZone: string;
  minResponses?: number;
}): KpisReport {
  const { window, groupBy, timeZone } = input;
  const minResponses = input.minResponses ?? DEFAULT_MIN_RESPONSES;
  const dated = input.events
    .map((event) => ({ event, day: dayOf(event.time, timeZone) }))
    .filter(({ day }) => day >= window.from && day <= window.to);
  const events = dated.map(({ event }) => event);

  let groups: KpisReport["groups"] = [];
  if (groupBy !== null) {
    const byKey = new Map<string | null, KpiEvent[]>();
    for (const { event, day } of dated) {
      const key = isPeriod(groupBy) ? periodKey(day, groupBy) : (event.segment ?? null);
      byKey.set(key, [...(byKey.get(key) ?? []), event]);
    }
    const keys: (string | null)[] = isPeriod(groupBy)
      ? periodsOf(window, groupBy)
      : [...byKey.entries()]
          .sort(([a, x], [b, y]) => y.length - x.length || String(a).localeCompare(String(b)))
          .map(([key]) => key);
    groups = keys.map((key) => ({ key, ...breakdown(byKey.get(key) ?? [], minResponses) }));
  }
  return { from: window.from, to: window.to, groupBy, ...breakdown(events, minResponses), groups };
}

/** The first instant a stored time can have, and a bound that sorts after the last (times are years 0001-9999). */
const FIRST_INSTANT = "0001-01-01T00:00:00.000Z";
const AFTER_LAST_INSTANT = "9999-12-31T23:59:59.999Z~";

/**
 * UTC instants that surely contain the window's days in any time zone (offsets are within ±14 hours): from the
 * day before its first to two days after its last, clamped to the storable years. `computeKpis` then keeps
 * exactly the events of the window's days, so at most two days' more events are read.
 */
function instantsAround(window: Window): { from: string; to: string } {
  const before = addDays(window.from, -1);
  const after = addDays(window.to, 2);
  const from = `${before}T00:00:00.000Z`;
  return {
    from: isDay(before) && from >= FIRST_INSTANT ? from : FIRST_INSTANT,
    to: isDay(after) ? `${after}T00:00:00.000Z` : AFTER_LAST_INSTANT,
  };
}

export interface KpiQueryPorts {
  /** Events whose time is in [from, to): UTC ISO instants, `to` possibly a bound after every instant. */
  events: { eventsBetween(from: string, to: string): Promise<KpiEvent[]> };
  today: () => string;
  timeZone: string;
  minResponses: number;
}

/** `GET /v1/kpis`: reads the window's events only (one query per UTC month it spans). */
export async function kpisFor(query: KpisQuery, ports: KpiQueryPorts): Promise<KpisReport> {
  const windows = resolveWindow(query, ports.today());
  if (!windows.ok)
    throw validationFailed(windows.details.map((detail) => ({ ...detail, path: `query.${detail.path}` })));
  const window = windows.value.current;
  const instants = instantsAround(window);
  const events = await ports.events.eventsBetween(instants.from, instants.to);
  return computeKpis({
    window,
    groupBy: query.groupBy ?? null,
    events,
    timeZone: ports.timeZone,
    minResponses: ports.minResponses,
  });
}
