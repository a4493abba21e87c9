import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRecords } from "../../bin/commands/batch-import";
import type { Case } from "../../lambdas/contracts/cases";
import {
  type CustomerProfile,
  customerProfileInputSchema,
  type OperationalEvent,
} from "../../lambdas/contracts/customers";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { openCase } from "../../lambdas/core/cases";
import { ClientError } from "../../lambdas/core/client-error";
import {
  duplicateKeys,
  MERGED_CASE_CHANGE,
  type MergePorts,
  type MergeRecord,
  mergeCustomers,
  mergedCase,
  normalizedPhone,
  verifiedGroup,
} from "../../lambdas/core/customer-merge";
import { config, record } from "../support/cases";

const AT = new Date("2026-11-24T10:00:00Z");
const profile = (id: string, fields: Partial<CustomerProfile> = {}): CustomerProfile => ({
  id,
  createdAt: "2026-11-01T00:00:00.000Z",
  updatedAt: "2026-11-01T00:00:00.000Z",
  minimal: false,
  ...fields,
});

describe("duplicateKeys", () => {
  it("gives two addresses that differ only in case (and spaces around them) one key, and never holds the address", () => {
    const [upper] = duplicateKeys({ email: "Ada.Lovelace@Example.COM" });
    const [lower] = duplicateKeys({ email: " ada.lovelace@example.com" });
    expect(upper).toEqual(lower);
    expect(upper).toMatchObject({ reason: "email", key: expect.stringMatching(/^email:[0-9a-f]{64}$/) });
    expect(duplicateKeys({ email: "ada@example.org" })[0]?.key).not.toBe(upper?.key);
  });

  it("matches name and phone together only, whatever the grouping of the digits and the case of the name", () => {
    const one = duplicateKeys({ name: "Ada  Lovelace", phone: "+44 (20) 7946-0000" });
    const two = duplicateKeys({ name: "ada lovelace", phone: "+44 20 7946 0000" });
    expect(one).toHaveLength(1);
    expect(one).toEqual(two);
    expect(one[0]?.reason).toBe("name+phone");
    expect(duplicateKeys({ name: "Ada Lovelace" })).toEqual([]);
    expect(duplicateKeys({ phone: "+44 20 7946 0000" })).toEqual([]);
    expect(duplicateKeys({ name: "Ada Lovelace", phone: "+44 20 7946 0001" })).not.toEqual(one);
    expect(normalizedPhone("+44 (20) 7946-0000")).toBe("+442079460000");
  });

  it("a profile with both has both keys", () => {
    expect(duplicateKeys({ email: "a@example.com", name: "A", phone: "+4930123456" }).map((key) => key.reason)).toEqual(
      ["email", "name+phone"],
    );
  });
});

describe("the profile's phone", () => {
  const parse = (phone: string) => customerProfileInputSchema.safeParse({ phone });
  it("takes E.164 numbers, grouped or not", () => {
    for (const phone of ["+4930123456", "+49 30 1234567", "+1 (415) 555-0100", "030 1234567", "+44.20.7946.0000"])
      expect(parse(phone).success, phone).toBe(true);
  });
  it("refuses what is not a phone number, naming the field", () => {
    for (const phone of ["call me", "12345", "+1234567890123456", "+49 30 1234567 ext 5", "++4930123456", ""]) {
      const result = parse(phone);
      expect(result.success, phone).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["phone"]);
    }
  });
});

describe("verifiedGroup", () => {
  const key = duplicateKeys({ email: "ada@example.com" })[0]?.key as string;
  it("lists the members that still have the key, oldest first", () => {
    const profiles = new Map([
      ["b", profile("b", { email: "ADA@example.com", createdAt: "2026-11-02T00:00:00.000Z" })],
      ["a", profile("a", { email: "ada@example.com", createdAt: "2026-11-03T00:00:00.000Z" })],
    ]);
    expect(verifiedGroup(key, ["a", "b"], profiles)).toEqual({
      reason: "email",
      customers: [profiles.get("b"), profiles.get("a")],
    });
  });
  it("drops a member merged away, one whose email changed, and one without a profile; one left is no group", () => {
    const profiles = new Map([
      ["a", profile("a", { email: "ada@example.com" })],
      ["b", profile("b", { mergedInto: "a" })],
      ["c", profile("c", { email: "someone.else@example.com" })],
    ]);
    expect(verifiedGroup(key, ["a", "b", "c", "d"], profiles)).toBeNull();
  });
});

describe("mergedCase", () => {
  const item = openCase(
    record({ customer: { ...(record({}).customer as object), id: "c-2" } as never }),
    "x",
    config,
    AT,
  );
  it("moves a case onto the survivor, with a history entry and a new version", () => {
    const moved = mergedCase(item, { from: "c-2", into: "c-1", by: "ops", at: AT });
    expect(moved).toMatchObject({
      id: item.id,
      customerId: "c-1",
      response: { customer: { id: "c-1", name: "Ada" }, comment: item.response?.comment },
      version: item.version + 1,
    });
    expect(moved?.history.at(-1)).toEqual({
      at: AT.toISOString(),
      by: "ops",
      change: MERGED_CASE_CHANGE,
    });
  });
  it("leaves a case that is not the absorbed customer's alone", () => {
    expect(mergedCase(item, { from: "c-3", into: "c-1", by: "ops", at: AT })).toBeNull();
  });
});

/** Profiles, responses, cases and events in memory, as much as a merge touches; pages of two. */
function memory() {
  const profiles = new Map<string, CustomerProfile & { merge?: MergeRecord; mergedFrom?: Set<string> }>([
    ["keep", profile("keep", { email: "ada@example.com", segment: "enterprise" })],
    ["dupe", profile("dupe", { email: "ADA@example.com", segment: "smb" })],
    ["other", profile("other")],
  ]);
  const responses = new Map<string, ResponseRecord>();
  for (const [index, customer] of ["dupe", "dupe", "dupe", "keep", "other"].entries()) {
    const id = `r-${index}`;
    const submittedAt = new Date(Date.UTC(2026, 10, 1 + index, 9)).toISOString();
    responses.set(
      id,
      record({ id, submittedAt, customer: { ...(record({}).customer as object), id: customer } as never }),
    );
  }
  const cases = new Map<string, Case>();
  const dupeCase = openCase(responses.get("r-1") as ResponseRecord, "detractor", config, AT);
  cases.set(dupeCase.id, dupeCase);
  const events = new Map<string, OperationalEvent>([
    ["dupe#t-1", { id: "t-1", customerId: "dupe", type: "support-ticket", time: "2026-11-20T10:00:00.000Z" }],
    ["dupe#t-2", { id: "t-2", customerId: "dupe", type: "return", time: "2026-11-21T10:00:00.000Z" }],
    ["keep#t-2", { id: "t-2", customerId: "keep", type: "return", time: "2026-11-21T10:00:00.000Z" }],
  ]);
  const erasing = new Set<string>();
  /** How many more counts the by-customer index answers as if the moves had not reached it. */
  const index = { lag: 0, pauses: [] as number[] };
  const marks: string[] = [];
  const assessed: string[] = [];
  const pages = <T>(items: T[]) =>
    (async function* () {
      for (let start = 0; start < items.length; start += 2) yield items.slice(start, start + 2);
    })();
  const ports: MergePorts = {
    customers: {
      get: async (id) => {
        const found = profiles.get(id);
        if (!found) return null;
        const { merge: _merge, mergedFrom: _from, ...shown } = found;
        return shown;
      },
      erasureUnderway: async (id) => erasing.has(id),
      beginMerge: async (from, into, by, at) => {
        const found = profiles.get(from);
        if (!found || (found.mergedInto && found.mergedInto !== into)) return null;
        const merge = found.merge ?? {
          into,
          by,
          startedAt: at.toISOString(),
          completedAt: null,
          moved: { responses: 0, cases: 0, events: 0 },
        };
        profiles.set(from, {
          ...profile(from),
          createdAt: found.createdAt,
          history: found.history,
          mergedInto: into,
          merge,
        });
        return structuredClone(merge);
      },
      countMoved: async (from, moved) => {
        const merge = profiles.get(from)?.merge as MergeRecord;
        for (const [name, count] of Object.entries(moved)) merge.moved[name as keyof MergeRecord["moved"]] += count;
      },
      eventPages: (id) => pages([...events.values()].filter((event) => event.customerId === id)),
      moveEvent: async (event, into) => {
        const key = `${into}#${event.id}`;
        if (!events.has(key)) events.set(key, { ...event, customerId: into });
        events.delete(`${event.customerId}#${event.id}`);
        return true;
      },
      completeMerge: async (from, into, entries) => {
        const survivor = profiles.get(into) as CustomerProfile & { mergedFrom?: Set<string> };
        if (!survivor.mergedFrom?.has(from)) {
          survivor.mergedFrom = new Set([...(survivor.mergedFrom ?? []), from]);
          survivor.history = [...(survivor.history ?? []), entries.survivor];
        }
        const absorbed = profiles.get(from) as CustomerProfile & { merge: MergeRecord };
        if (!absorbed.merge.completedAt) {
          absorbed.merge.completedAt = entries.absorbed.at;
          absorbed.history = [...(absorbed.history ?? []), entries.absorbed];
        }
        return structuredClone(absorbed.merge);
      },
    },
    responses: {
      idsOfCustomer: (id) =>
        pages(
          [...responses.values()]
            .filter((item) => item.customer?.id === id)
            .map((item) => ({ id: item.id, submittedAt: item.submittedAt })),
        ),
      countForCustomer: async (id) =>
        index.lag-- > 0 ? 1 : [...responses.values()].filter((item) => item.customer?.id === id).length,
      reassign: async (id, from, to) => {
        const item = responses.get(id);
        if (item?.customer?.id !== from) return false;
        responses.set(id, { ...item, customer: { ...item.customer, id: to } });
        return true;
      },
    },
    cases: {
      ofCustomer: async (id) => [...cases.values()].filter((item) => item.customerId === id),
      rewrite: async (id, change) => {
        const current = cases.get(id);
        const next = current && change(current);
        if (!next) return false;
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
    assessRisk: async (id) => {
      assessed.push(id);
    },
    pause: async (ms) => {
      index.pauses.push(ms);
    },
    now: () => AT,
  };
  return { ports, profiles, responses, cases, events, erasing, marks, assessed, index };
}

describe("mergeCustomers", () => {
  it("moves responses, cases and events onto the survivor, leaves a pointer, and records it on both", async () => {
    const m = memory();
    const merged = await mergeCustomers("keep", "dupe", "ops", m.ports);
    expect(merged).toMatchObject({
      id: "keep",
      from: "dupe",
      by: "ops",
      startedAt: AT.toISOString(),
      completedAt: AT.toISOString(),
      moved: { responses: 3, cases: 1, events: 2 },
      profile: { id: "keep", email: "ada@example.com", segment: "enterprise" },
    });
    expect([...m.responses.values()].map((item) => item.customer?.id)).toEqual([
      "keep",
      "keep",
      "keep",
      "keep",
      "other",
    ]);
    expect([...m.cases.values()].map((item) => item.customerId)).toEqual(["keep"]);
    // The return recorded on both profiles is kept once.
    expect([...m.events.keys()].sort()).toEqual(["keep#t-1", "keep#t-2"]);
    expect(m.profiles.get("dupe")).toMatchObject({
      mergedInto: "keep",
      history: [{ change: "merged into customer keep" }],
    });
    expect(m.profiles.get("dupe")).not.toHaveProperty("email");
    expect(merged.profile.history).toEqual([
      { at: AT.toISOString(), by: "ops", change: "merged customer dupe into this profile" },
    ]);
    expect(m.assessed).toEqual(["keep"]);
    // Each page's days before and after its moves: [Nov 1, Nov 2], then [Nov 3].
    expect(m.marks).toEqual(["2026-11-01", "2026-11-02", "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-03"]);
  });

  it("answers a repeat the same, moving nothing, recomputing nothing, writing no history twice", async () => {
    const m = memory();
    const first = await mergeCustomers("keep", "dupe", "ops", m.ports);
    const again = await mergeCustomers("keep", "dupe", "someone-else", m.ports);
    expect(again).toEqual(first);
    expect(m.assessed).toEqual(["keep"]);
    expect(m.profiles.get("keep")?.history).toHaveLength(1);
    expect(m.profiles.get("dupe")?.history).toHaveLength(1);
  });

  it("moves, on a repeat, a response that reached the old id since, and recomputes the survivor then", async () => {
    const m = memory();
    await mergeCustomers("keep", "dupe", "ops", m.ports);
    m.responses.set(
      "late",
      record({ id: "late", customer: { ...(record({}).customer as object), id: "dupe" } as never }),
    );
    const again = await mergeCustomers("keep", "dupe", "ops", m.ports);
    expect(again.moved).toEqual({ responses: 4, cases: 1, events: 2 });
    expect(m.responses.get("late")?.customer?.id).toBe("keep");
    expect(m.assessed).toEqual(["keep", "keep"]);
  });

  it("counts the survivor's rollups only once the by-customer index shows the moves", async () => {
    const m = memory();
    m.index.lag = 2;
    const assessedAfter: number[] = [];
    const assess = m.ports.assessRisk;
    m.ports.assessRisk = async (id, trigger) => {
      assessedAfter.push(m.index.pauses.length);
      return assess(id, trigger);
    };
    await mergeCustomers("keep", "dupe", "ops", m.ports);
    expect(m.index.pauses).toEqual([50, 100]);
    expect(assessedAfter).toEqual([2]);
  });

  it("answers 503 with Retry-After when out of time, and the next call continues without counting twice", async () => {
    const m = memory();
    let checks = 0;
    await expect(mergeCustomers("keep", "dupe", "ops", m.ports, () => checks++ < 1)).rejects.toMatchObject({
      code: "unavailable",
      headers: { "retry-after": "1" },
    });
    expect(m.profiles.get("dupe")).toMatchObject({ mergedInto: "keep", merge: { moved: { responses: 2 } } });
    // Meanwhile the pointer keeps the absorbed profile from being merged into a third one or written to.
    await expect(mergeCustomers("other", "dupe", "ops", m.ports)).rejects.toMatchObject({ code: "conflict" });
    const finished = await mergeCustomers("keep", "dupe", "ops", m.ports);
    expect(finished.moved).toEqual({ responses: 3, cases: 1, events: 2 });
    expect(m.assessed).toEqual(["keep"]);
  });

  it("refuses merging a profile into itself (422 naming from), unknown ids (404), and merged or erasing ones (409)", async () => {
    const m = memory();
    const refusal = (into: string, from: string) =>
      mergeCustomers(into, from, "ops", m.ports).then(
        () => null,
        (error: ClientError) => ({ code: error.code, paths: error.details.map((detail) => detail.path) }),
      );
    expect(await refusal("keep", "keep")).toEqual({ code: "validation_failed", paths: ["from"] });
    expect(await refusal("nobody", "dupe")).toMatchObject({ code: "not_found" });
    expect(await refusal("keep", "nobody")).toEqual({ code: "not_found", paths: ["from"] });
    m.erasing.add("other");
    expect(await refusal("other", "dupe")).toEqual({ code: "conflict", paths: ["path.id"] });
    expect(await refusal("keep", "other")).toEqual({ code: "conflict", paths: ["from"] });
    m.erasing.clear();
    await mergeCustomers("keep", "dupe", "ops", m.ports);
    expect(await refusal("dupe", "other")).toEqual({ code: "conflict", paths: ["path.id"] });
    expect(await refusal("other", "dupe")).toEqual({ code: "conflict", paths: ["from"] });
    // Merging the survivor back into its pointer would lose both: refused as above, nothing moved.
    expect(await refusal("dupe", "keep")).toEqual({ code: "conflict", paths: ["path.id"] });
    expect([...m.responses.values()].filter((item) => item.customer?.id === "keep")).toHaveLength(4);
    await expect(mergeCustomers("keep", "keep", "ops", m.ports)).rejects.toBeInstanceOf(ClientError);
  });
});

describe("readRecords on a CSV whose rows do not fit the header", () => {
  const dir = mkdtempSync(join(tmpdir(), "cxloop-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says which rows have fewer or more fields than the header, and which columns they lack", async () => {
    const file = join(dir, "customers.csv");
    writeFileSync(
      file,
      'id,email,name,segment\nc-1,a@x.com,Ann,smb\nc-2,b@x.com\nc-3,c@x.com,Cy,smb,extra\n"c-4","d@x.com,x",Di,smb\n',
    );
    const records = [];
    for await (const item of readRecords(file, () => undefined)) records.push(item);
    expect(records.map(({ line, misfit }) => ({ line, misfit }))).toEqual([
      { line: 2, misfit: undefined },
      { line: 3, misfit: { fields: 2, columns: 4, missing: ["name", "segment"] } },
      { line: 4, misfit: { fields: 5, columns: 4, missing: [] } },
      { line: 5, misfit: undefined },
    ]);
  });
});
