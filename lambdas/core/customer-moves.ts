import type { Case } from "../contracts/cases";
import { dayOf } from "./calendar";

/**
 * Moving a customer's responses and cases onto another customer id, page by page within a time budget: what
 * erasure (onto a pseudonym) and a merge (onto the surviving profile) share. Both are retried until done, so
 * every step is safe to repeat: a move is conditional on the record still being the customer's.
 */
export interface CustomerMovePorts {
  responses: {
    /** The customer's responses (id and submission time), page by page. */
    idsOfCustomer(customerId: string): AsyncIterable<{ id: string; submittedAt: string }[]>;
  };
  cases: {
    ofCustomer(customerId: string): Promise<Case[]>;
    /** Rewrites the case as `change` returns it (read again after a concurrent change); false when `change` declined. */
    rewrite(id: string, change: (current: Case) => Case | null): Promise<boolean>;
  };
  /** Marks days for the metrics rollup, in its time zone. */
  metrics: { timeZone: string; markDayChanged(day: string, at: Date): Promise<void> };
  now: () => Date;
}

/**
 * Moves every response of `customerId` with `move` (false: it was not the customer's any more), a page at a time,
 * the moves of a page concurrent. Day aggregates name customers (theme cells, answer samples), so each page's days
 * are marked for the rollup before its moves (a crash after one leaves its day marked) and after them (a rollup
 * that read the day in between runs again); counts do not change, only whose they are. Throws `unfinished()`
 * when `hasTime` says the budget is spent; `afterPage` is told how many of each page moved.
 */
export async function moveResponsesOf(
  customerId: string,
  move: (id: string) => Promise<boolean>,
  ports: Pick<CustomerMovePorts, "responses" | "metrics" | "now">,
  budget: { hasTime: () => boolean; unfinished: () => Error; afterPage?: (moved: number) => Promise<void> },
): Promise<number> {
  let total = 0;
  for await (const page of ports.responses.idsOfCustomer(customerId)) {
    if (!budget.hasTime()) throw budget.unfinished();
    const days = [...new Set(page.map((item) => dayOf(item.submittedAt, ports.metrics.timeZone)))];
    const markDays = () => Promise.all(days.map((day) => ports.metrics.markDayChanged(day, ports.now())));
    await markDays();
    const moved = (await Promise.all(page.map((item) => move(item.id)))).filter(Boolean).length;
    await markDays();
    total += moved;
    await budget.afterPage?.(moved);
  }
  return total;
}

/** Rewrites every case of `customerId` with `change` (null: not theirs any more), within the same kind of budget. */
export async function rewriteCasesOf(
  customerId: string,
  change: (current: Case) => Case | null,
  ports: Pick<CustomerMovePorts, "cases">,
  budget: { hasTime: () => boolean; unfinished: () => Error; afterCase?: () => Promise<void> },
): Promise<number> {
  let total = 0;
  for (const item of await ports.cases.ofCustomer(customerId)) {
    if (!budget.hasTime()) throw budget.unfinished();
    if (await ports.cases.rewrite(item.id, change)) {
      total += 1;
      await budget.afterCase?.();
    }
  }
  return total;
}
