import type { Case } from "../../lambdas/contracts/cases";
import { type FollowUpConfig, followUpConfigSchema } from "../../lambdas/contracts/follow-up-config";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { responseRecord } from "./responses";

/** The follow-up config the case tests share: one owner, two escalation levels, a case URL. */
export const config: FollowUpConfig = followUpConfigSchema.parse({
  owners: { "cx-team": { name: "CX", email: "cx@example.com", slack: "cx" } },
  escalation: [
    { name: "Lead", email: "lead@example.com" },
    { name: "Head", slack: "heads" },
  ],
  caseUrl: "https://cx.example.com/cases",
});
/** The detractor the case tests open cases for: a known customer's emailed answer with a comment to escape. */
export const record = (overrides: Partial<ResponseRecord>): ResponseRecord =>
  responseRecord({
    score: 2,
    comment: "Waited <b>forever</b>",
    survey: "post-purchase",
    channel: "email",
    customer: {
      id: "c-1",
      name: "Ada",
      segment: "smb",
      plan: null,
      annualValue: 1200,
      currency: "EUR",
      renewalDate: null,
    },
    ...overrides,
  });
export const event = (detail: ResponseRecord) => ({ source: "cxloop", "detail-type": "Response Recorded", detail });

/** In-memory case store, event bus, delivery log and clock, with the ports each case use case takes. */
export function memory() {
  const cases = new Map<string, { stored: Case; publishedAt: string | null }>();
  const published: { type: string; case: Case; level?: number }[] = [];
  const deliveries = new Set<string>();
  let failPublish = 0;
  const clock = { now: new Date("2026-11-23T10:00:00Z") };
  const events = {
    caseEvent: async (type: string, detail: { case: Case; level?: number }) => {
      if (failPublish-- > 0) throw new Error("bus down");
      published.push({ type, ...detail });
    },
  };
  const store = {
    createIfAbsent: async (value: Case) => {
      const existing = cases.get(value.id);
      if (existing) return { created: false, ...existing };
      cases.set(value.id, { stored: value, publishedAt: null });
      return { created: true, stored: value, publishedAt: null };
    },
    markPublished: async (id: string, at: Date) => {
      const entry = cases.get(id);
      if (entry) entry.publishedAt = at.toISOString();
    },
    ofCustomer: async (customerId: string) =>
      [...cases.values()].map((entry) => entry.stored).filter((item) => item.customerId === customerId),
    activeDueBefore: async (at: Date) =>
      [...cases.values()].map((entry) => entry.stored).filter((item) => new Date(item.dueAt) < at),
    save: async (next: Case, read: Case) => {
      const entry = cases.get(next.id);
      if (entry?.stored.version !== read.version) throw new Error("conflict");
      entry.stored = next;
    },
  };
  return {
    cases,
    published,
    deliveries,
    clock,
    failNextPublish: () => {
      failPublish = 1;
    },
    followUpPorts: { cases: store, events, config, now: () => clock.now },
    sweepPorts: {
      cases: store,
      events,
      config,
      now: () => clock.now,
      isConflict: (e: unknown) => (e as Error).message === "conflict",
    },
    deliveryPorts: {
      alertDelivered: async (caseId: string, key: string) => deliveries.has(`${caseId}/${key}`),
      recordAlertDelivered: async (caseId: string, key: string) => {
        deliveries.add(`${caseId}/${key}`);
      },
    },
  };
}
