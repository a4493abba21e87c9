import * as z from "zod";

const churnLevels = ["low", "medium", "high"] as const;

/** A customer's churn risk as core's model computes it: a probability, its band and the signals behind it. */
export const churnRiskSchema = z
  .object({ score: z.number().min(0).max(1), level: z.enum(churnLevels), reasons: z.array(z.string()) })
  .meta({ id: "ChurnRisk" });
export type ChurnRisk = z.infer<typeof churnRiskSchema>;
export type ChurnLevel = ChurnRisk["level"];
