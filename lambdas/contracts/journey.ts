import * as z from "zod";

const stageNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "a stage is 1-32 lowercase letters, digits, hyphens");

/**
 * The customer journey: its stages in order, and which stage each touchpoint belongs to. Enrichment
 * stamps a response's `stage` from its touchpoint (null when the touchpoint is not mapped), and
 * metrics group and filter by it like any other dimension.
 */
export const journeySchema = z
  .strictObject({
    stages: z.array(stageNameSchema).min(1).max(12),
    touchpoints: z.record(z.string().min(1).max(128), stageNameSchema),
  })
  .superRefine((journey, ctx) => {
    if (new Set(journey.stages).size !== journey.stages.length)
      ctx.addIssue({ code: "custom", path: ["stages"], message: "names a stage twice" });
    for (const [touchpoint, stage] of Object.entries(journey.touchpoints))
      if (!journey.stages.includes(stage))
        ctx.addIssue({
          code: "custom",
          path: ["touchpoints", touchpoint],
          message: `"${stage}" is not one of the stages (${journey.stages.join(", ")})`,
        });
  });
export type Journey = z.infer<typeof journeySchema>;

/** Buy, own, advocate (Bain's journey), with the touchpoints the demo and the docs use. */
export const DEFAULT_JOURNEY: Journey = {
  stages: ["buy", "own", "advocate"],
  touchpoints: {
    website: "buy",
    pricing: "buy",
    checkout: "buy",
    store: "buy",
    onboarding: "own",
    delivery: "own",
    "mobile-app": "own",
    "support-chat": "own",
    support: "own",
    billing: "own",
    account: "advocate",
    renewal: "advocate",
    referral: "advocate",
    review: "advocate",
  },
};

export const stageOf = (journey: Journey, touchpoint: string | null | undefined): string | null =>
  (touchpoint && Object.hasOwn(journey.touchpoints, touchpoint) ? journey.touchpoints[touchpoint] : null) ?? null;
