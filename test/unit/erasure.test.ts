import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import type { Case } from "../../lambdas/contracts/cases";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { openCase, openRetentionCase } from "../../lambdas/core/cases";
import { ClientError } from "../../lambdas/core/client-error";
import { ERASED_TEXT, type ErasurePorts, eraseCustomer, erasedCase } from "../../lambdas/core/erasure";
import { config, record } from "../support/cases";

const AT = new Date("2026-11-24T10:00:00Z");
const PSEUDONYM = /^erased-[0-9A-HJKMNP-TV-Z]{26}$/;
const customer = (id: string): NonNullable<ResponseRecord["customer"]> => ({
  id,
  email: "ada@example.com",
  name: "Ada",
  segment: "smb",
  plan: "pro",
  annualValue: 1200,
  currency: "EUR",
  renewalDate: null,
});

describe("erasedCase", () => {
  const noted = (item: Case): Case => ({
    ...item,
    notes: [{ at: AT.toISOString(), by: "ops", text: "Called Ada on +44 20 7946 0000" }],
  });
  const erasure = { customerId: "c-1", pseudonym: "erased-01JZ", by: "ops", at: AT };

  it("moves a follow-up case under the pseudonym without comment, email, name or note text", () => {
    const item = noted(openCase(record({ customer: customer("c-1") }), "nps-detractor", config, AT));
    const erased = erasedCase(item, erasure);
    expect(erased).toMatchObject({
      id: item.id,
      responseId: item.responseId,
      customerId: "erased-01JZ",
      response: { score: 2, category: item.response?.category, comment: null, customer: { id: "erased-01JZ" } },
      notes: [{ at: AT.toISOString(), by: "ops", text: ERASED_TEXT }],
      version: item.version + 1,
    });
    expect(erased?.history.at(-1)).toEqual({
      at: AT.toISOString(),
      by: "ops",
      change: "customer erased: personal data removed",
    });
    const text = JSON.stringify(erased);
    for (const personal of ["c-1", "ada@example.com", "Ada", "+44", "Waited"]) expect(text).not.toContain(personal);
  });

  it("renames a retention case, whose ids name the customer", () => {
    const item = openRetentionCase(
      {
        schemaVersion: 1,
        customerId: "c-1",
        churnRisk: { score: 0.8, level: "high", reasons: ["latest NPS 2 (detractor)"] },
        segment: "smb",
        annualValue: 1200,
        owner: null,
        trigger: "response r-1",
        since: "2026-11-23T10:00:00.000Z",
      },
      config,
      AT,
    );
    expect(erasedCase(item, erasure)).toMatchObject({
      id: "retention-erased-01JZ-2026-11-23T10:00:00.000Z",
      responseId: "churn-risk:erased-01JZ:2026-11-23T10:00:00.000Z",
      customerId: "erased-01JZ",
      churnRisk: { score: 0.8 },
    });
  });

  it("leaves a case that is no longer the customer's alone", () => {
    const item = openCase(record({ customer: customer("erased-01JZ") }), "nps-detractor", config, AT);
    expect(erasedCase(item, erasure)).toBeNull();
  });
});

/** A table in memory, as much of it as erasure touches, with a clock and a budget that can run out. */
function memory(responseIds: string[], faults: { failAfterPages?: number } = {}) {
  const responses = new Map(
    responseIds.map((id, index) => {
      const submittedAt = new Date(Date.UTC(2026, 10, 1 + (index % 3), 9)).toISOString();
      return [id, { ...record({ id, submittedAt, comment: "Slow", customer: customer("c-1") }) }];
    }),
  );
  const cases = new Map<string, Case>();
  const caseOf = (id: string) => {
    const response = responses.get(id) as ResponseRecord;
    const opened = openCase(response, "nps-detractor", config, AT);
    cases.set(opened.id, opened);
  };
  const markers = new Map<string, string>();
  const marks: string[] = [];
  const profiles = new Set(["c-1"]);
  let pagesRead = 0;
  const ports: ErasurePorts = {
    customers: {
      beginErasure: async (id, pseudonym) => {
        const existing = markers.get(id);
        if (existing) return { pseudonym: existing, resumed: true };
        markers.set(id, pseudonym);
        return { pseudonym, resumed: false };
      },
      erase: async (id) => {
        const profile = profiles.delete(id);
        markers.delete(id);
        return { profile, events: 0 };
      },
    },
    responses: {
      idsOfCustomer: async function* (id) {
        const mine = [...responses.values()].filter((item) => item.customer?.id === id);
        for (let start = 0; start < mine.length; start += 2) {
          if (faults.failAfterPages !== undefined && pagesRead >= faults.failAfterPages) throw new Error("throttled");
          pagesRead += 1;
          yield mine
            .slice(start, start + 2)
            .map(({ id: responseId, submittedAt }) => ({ id: responseId, submittedAt }));
        }
      },
      pseudonymize: async (id, customerId, pseudonym) => {
        const item = responses.get(id);
        if (item?.customer?.id !== customerId) return false;
        const { email: _email, name: _name, ...kept } = item.customer;
        responses.set(id, { ...item, comment: null, customer: { ...kept, id: pseudonym } });
        return true;
      },
    },
    cases: {
      ofCustomer: async (id) => [...cases.values()].filter((item) => item.customerId === id),
      rewrite: async (id, change) => {
        const current = cases.get(id);
        const next = current && change(current);
        if (!next) return false;
        cases.delete(id);
        cases.set(next.id, next);
        return true;
      },
    },
    metrics: {
      timeZone: "UTC",
      markDayChanged: async (day) => {
        marks.push(day);
      },
    },
    newId: ulid,
    now: () => AT,
  };
  return { ports, responses, cases, markers, marks, profiles, caseOf };
}

describe("eraseCustomer", () => {
  it("moves every page of responses and every case under one random pseudonym, then deletes the profile", async () => {
    const m = memory(["r-1", "r-2", "r-3", "r-4", "r-5"]);
    m.caseOf("r-2");
    const answer = await eraseCustomer("c-1", "ops", m.ports);
    expect(answer).toEqual({ id: "c-1", erased: { profile: true, events: 0, responses: 5, cases: 1 } });
    const pseudonyms = new Set([...m.responses.values()].map((item) => item.customer?.id));
    expect(pseudonyms.size).toBe(1);
    const [pseudonym] = pseudonyms;
    expect(pseudonym).toMatch(PSEUDONYM);
    expect([...m.cases.values()].map((item) => item.customerId)).toEqual([pseudonym]);
    for (const item of m.responses.values()) {
      expect(item).toMatchObject({ score: 2, comment: null });
      expect(item.customer).not.toHaveProperty("email");
      expect(item.customer).not.toHaveProperty("name");
    }
    expect(m.markers.size).toBe(0);
  });

  it("marks each moved response's day before and after its page moves, so the rollup recomputes it", async () => {
    const m = memory(["r-1", "r-2", "r-3"]);
    await eraseCustomer("c-1", "ops", m.ports);
    // Pages of two: [r-1 (Nov 1), r-2 (Nov 2)], then [r-3 (Nov 3)].
    expect(m.marks).toEqual(["2026-11-01", "2026-11-02", "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-03"]);
  });

  it("never derives the pseudonym from the id: two customers with one id get two", async () => {
    const first = memory(["r-1"]);
    const second = memory(["r-1"]);
    await eraseCustomer("c-1", "ops", first.ports);
    await eraseCustomer("c-1", "ops", second.ports);
    expect(first.responses.get("r-1")?.customer?.id).not.toBe(second.responses.get("r-1")?.customer?.id);
  });

  it("is a 404 once nothing is held for the id, so a repeated DELETE is one", async () => {
    const m = memory(["r-1"]);
    await eraseCustomer("c-1", "ops", m.ports);
    const again = eraseCustomer("c-1", "ops", m.ports);
    await expect(again).rejects.toBeInstanceOf(ClientError);
    await expect(again).rejects.toMatchObject({ code: "not_found" });
    expect(m.markers.size).toBe(0);
  });

  it("answers 503 when out of time, and the next call continues under the same pseudonym", async () => {
    const m = memory(["r-1", "r-2", "r-3", "r-4", "r-5"]);
    let pages = 0;
    await expect(eraseCustomer("c-1", "ops", m.ports, () => pages++ < 1)).rejects.toMatchObject({
      code: "unavailable",
      headers: { "retry-after": "1" },
    });
    const moved = [...m.responses.values()].filter((item) => item.customer?.id !== "c-1");
    expect(moved).toHaveLength(2);
    const answer = await eraseCustomer("c-1", "ops", m.ports);
    expect(answer.erased).toMatchObject({ profile: true, responses: 3 });
    expect(new Set([...m.responses.values()].map((item) => item.customer?.id)).size).toBe(1);
  });

  it("after a failure midway, the retry finishes the erasure under the same pseudonym", async () => {
    const faults: { failAfterPages?: number } = { failAfterPages: 1 };
    const m = memory(["r-1", "r-2", "r-3"], faults);
    await expect(eraseCustomer("c-1", "ops", m.ports)).rejects.toThrow("throttled");
    const pseudonym = m.markers.get("c-1");
    expect(pseudonym).toMatch(PSEUDONYM);
    faults.failAfterPages = undefined;
    expect((await eraseCustomer("c-1", "ops", m.ports)).erased).toMatchObject({ profile: true, responses: 1 });
    expect([...m.responses.values()].map((item) => item.customer?.id)).toEqual([pseudonym, pseudonym, pseudonym]);
  });

  it("a retry after the profile was already deleted still answers 200 and removes the erasure record", async () => {
    const m = memory([]);
    m.markers.set("c-1", "erased-01JZ0000000000000000000000");
    m.profiles.delete("c-1");
    expect(await eraseCustomer("c-1", "ops", m.ports)).toEqual({
      id: "c-1",
      erased: { profile: false, events: 0, responses: 0, cases: 0 },
    });
    expect(m.markers.size).toBe(0);
  });
});
