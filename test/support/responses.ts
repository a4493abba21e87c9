import type { RollupResponse } from "../../lambdas/core/aggregates";

/** A stored response as the rollup reads it: a web checkout answer to the post-purchase survey, unless told otherwise. */
export const rollupResponse = (
  fields: Pick<RollupResponse, "id" | "type" | "score" | "submittedAt"> & Partial<RollupResponse>,
): RollupResponse => ({
  scale: null,
  themes: [],
  sentiment: null,
  survey: "post-purchase",
  touchpoint: "checkout",
  channel: "web",
  customer: null,
  ...fields,
});
