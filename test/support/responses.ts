import type { ResponseRecord } from "../../lambdas/contracts/record";
import type { RollupResponse } from "../../lambdas/core/aggregates";

/** An enriched response record: an anonymous NPS detractor (3) with no comment and no context, unless told otherwise. */
export const responseRecord = (overrides: Partial<ResponseRecord> = {}): ResponseRecord => ({
  id: "r-1",
  type: "nps",
  score: 3,
  scale: { min: 0, max: 10 },
  category: "detractor",
  comment: null,
  sentiment: null,
  themes: [],
  survey: null,
  channel: null,
  touchpoint: null,
  stage: null,
  customer: null,
  submittedAt: "2026-11-23T09:00:00.000Z",
  receivedAt: "2026-11-23T09:00:00.000Z",
  enrichedAt: "2026-11-23T09:00:01.000Z",
  attributes: {},
  locale: null,
  ...overrides,
});

/** A stored response as the rollup reads it: a web checkout answer to the post-purchase survey, unless told otherwise. */
export const rollupResponse = (
  fields: Pick<RollupResponse, "id" | "type" | "score" | "submittedAt"> & Partial<RollupResponse>,
): RollupResponse => ({
  scale: null,
  themes: [],
  sentiment: null,
  survey: "post-purchase",
  touchpoint: "checkout",
  stage: "buy",
  channel: "web",
  customer: null,
  ...fields,
});
