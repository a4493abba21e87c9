import type { Category } from "../contracts/record";
import type { Scale } from "../contracts/submission";

export type ScoredType = "nps" | "csat" | "ces" | "enps";

export const NPS_SCALE: Scale = { min: 0, max: 10 };
export const DEFAULT_SCALES: Record<ScoredType, Scale> = {
  nps: NPS_SCALE,
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
  enps: NPS_SCALE,
};

/** CES is asked on 1-7 (CES 2.0) or the older 1-5; nothing else can be compared. */
const CES_SCALES = ["1-7", "1-5"];

export const isScoredType = (type: string): type is ScoredType => type in DEFAULT_SCALES;

export const scaleLabel = (scale: Scale) => `${scale.min}-${scale.max}`;

/** Returns why a scale is not allowed for the type, or null when it is. */
export function scaleProblem(type: ScoredType, scale: Scale): string | null {
  if ((type === "nps" || type === "enps") && scaleLabel(scale) !== "0-10")
    return `${type === "nps" ? "NPS" : "eNPS"} is always asked on 0-10`;
  if (type === "ces" && !CES_SCALES.includes(scaleLabel(scale))) return "CES scale must be 1-7 or 1-5";
  if (type === "csat" && scale.max - scale.min < 2) return "CSAT scale needs at least 3 points";
  return null;
}

export function npsCategory(score: number): Category {
  if (score >= 9) return "promoter";
  if (score >= 7) return "passive";
  return "detractor";
}

/** CSAT: top two boxes are satisfied, bottom two dissatisfied (4-5 / 1-2 on 1-5). */
export function csatCategory(score: number, scale: Scale): Category {
  if (score >= scale.max - 1) return "satisfied";
  if (score <= scale.min + 1) return "dissatisfied";
  return "neutral";
}

/** CES: 5-7 easy and 1-3 hard on 1-7; 4-5 easy and 1-2 hard on 1-5. */
export function cesCategory(score: number, scale: Scale): Category {
  const easyFrom = scale.max === 7 ? 5 : 4;
  const hardTo = scale.max === 7 ? 3 : 2;
  if (score >= easyFrom) return "easy";
  if (score <= hardTo) return "hard";
  return "neutral";
}

export function categorize(type: string, score: number | null, scale: Scale | null): Category | null {
  if (score === null || scale === null) return null;
  switch (type) {
    case "nps":
    case "enps":
      return npsCategory(score);
    case "csat":
      return csatCategory(score, scale);
    case "ces":
      return cesCategory(score, scale);
    default:
      return null;
  }
}
