import { describe, expect, it } from "vitest";
import type { CustomerProfile } from "../../lambdas/contracts/customers";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import {
  assessCustomerRisk,
  type CustomerRiskPorts,
  type CustomerRollups,
  newestResponses,
  type StoredAssessment,
} from "../../lambdas/core/customer-risk";
import { npsCategory } from "../../lambdas/core/scoring";
import { responseRecord } from "../support/responses";

const NOW = new Date("2026-12-02T12:00:00.000Z");
const profile: CustomerProfile = {
  id: "c-1",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  minimal: false,
  // Within 30 days, so a detractor's answer alone takes the risk over the threshold below.
  renewalDate: "2026-12-20",
};

/** A customer's stored state as the adapters keep it: what the profile holds, and what was published. */
function customer(responses: ResponseRecord[]) {
  let stored: { assessed: StoredAssessment; rollups: CustomerRollups } | null = null;
  const writes: { atRisk: boolean; rollups: CustomerRollups }[] = [];
  const published: string[] = [];
  const ports: CustomerRiskPorts = {
    load: async () => ({
      profile: stored ? { ...profile, rollups: stored.rollups } : profile,
      assessed: stored?.assessed ?? { churnRisk: null, atRisk: false },
      responses,
      responseCount: responses.length,
      cases: [],
      events: [],
    }),
    saveRisk: async (_id, { assessedAt: _at, ...churnRisk }, atRisk, rollups) => {
      const crossed = atRisk && !stored?.assessed.atRisk;
      stored = { assessed: { churnRisk, atRisk }, rollups };
      writes.push({ atRisk, rollups });
      return { crossed };
    },
    publishAtRisk: async ({ trigger }) => {
      published.push(trigger);
    },
    threshold: 0.4,
    now: () => NOW,
  };
  return { ports, writes, published, responses };
}

const nps = (id: string, score: number, submittedAt: string) =>
  responseRecord({ id, score, category: npsCategory(score), submittedAt, receivedAt: submittedAt });

describe("assessCustomerRisk", () => {
  it("stores the risk and rollups, then writes nothing while nothing the profile shows changes", async () => {
    const { ports, writes } = customer([nps("r-1", 9, "2026-12-01T10:00:00.000Z")]);
    await assessCustomerRisk("c-1", "response r-1", ports);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.rollups).toMatchObject({
      responseCount: 1,
      lastResponseAt: "2026-12-01T10:00:00.000Z",
      latestScores: { nps: { score: 9, at: "2026-12-01T10:00:00.000Z" }, csat: null, ces: null },
      openCases: 0,
    });
    // The same event delivered again: same risk, same flag, same rollups.
    await assessCustomerRisk("c-1", "response r-1", ports);
    expect(writes).toHaveLength(1);
  });

  it("writes again for a new response, whose rollups differ even when the risk does not", async () => {
    const { ports, writes, responses } = customer([nps("r-1", 9, "2026-12-01T10:00:00.000Z")]);
    await assessCustomerRisk("c-1", "response r-1", ports);
    responses.unshift(nps("r-2", 9, "2026-12-02T10:00:00.000Z"));
    await assessCustomerRisk("c-1", "response r-2", ports);
    expect(writes.map((write) => write.rollups.responseCount)).toEqual([1, 2]);
  });

  it("publishes Customer At Risk once per crossing, and again after the risk fell below and rose again", async () => {
    const { ports, writes, published, responses } = customer([nps("r-1", 1, "2026-12-01T10:00:00.000Z")]);
    await assessCustomerRisk("c-1", "response r-1", ports);
    await assessCustomerRisk("c-1", "response r-1", ports);
    expect(published).toEqual(["response r-1"]);
    expect(writes.map((write) => write.atRisk)).toEqual([true]);

    responses.unshift(nps("r-2", 10, "2026-12-02T09:00:00.000Z"));
    await assessCustomerRisk("c-1", "response r-2", ports);
    responses.unshift(nps("r-3", 0, "2026-12-02T10:00:00.000Z"));
    await assessCustomerRisk("c-1", "response r-3", ports);
    expect(writes.map((write) => write.atRisk)).toEqual([true, false, true]);
    expect(published).toEqual(["response r-1", "response r-3"]);
  });
});

describe("newestResponses", () => {
  const ids = (records: ResponseRecord[]) => records.map((record) => `${record.id}@${record.revision ?? 0}`);

  it("places a response just stored that the index does not show yet where the index will", () => {
    const window = [nps("r-3", 9, "2026-12-02T10:00:00.000Z"), nps("r-1", 9, "2026-12-01T10:00:00.000Z")];
    const late = nps("r-2", 2, "2026-12-01T12:00:00.000Z");
    const sameInstant = nps("r-4", 2, "2026-12-02T10:00:00.000Z");
    expect(ids(newestResponses(window, [late, sameInstant]))).toEqual(["r-4@0", "r-3@0", "r-2@0", "r-1@0"]);
  });

  it("keeps a response in both once, in its higher revision", () => {
    const first = nps("r-1", 9, "2026-12-01T10:00:00.000Z");
    const revised = { ...first, comment: "later words", revision: 2 };
    expect(ids(newestResponses([first], [revised, first]))).toEqual(["r-1@2"]);
    expect(ids(newestResponses([revised], [first]))).toEqual(["r-1@2"]);
  });
});
