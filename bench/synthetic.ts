import { DEFAULT_JOURNEY, stageOf } from "../lambdas/contracts/journey";
import { channels } from "../lambdas/contracts/submission";
import type { RollupResponse } from "../lambdas/core/aggregates";
import { addDays } from "../lambdas/core/metrics";
import { DEFAULT_THEMES } from "../lambdas/core/themes";

/**
 * Deterministic synthetic feedback for the metrics benchmark: what the rollup
 * reads of stored responses (`RollupResponse`), generated one day at a time so
 * a million responses never sit in memory together.
 */

/** sfc32: small, fast, seedable; the same seed always gives the same stream. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** A 32-bit integer hash (for per-customer attributes derived from the id, no table kept). */
const hash32 = (n: number) => {
  let x = n | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
};

function weighted<T>(entries: readonly (readonly [T, number])[]): (random: () => number) => T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  return (random) => {
    let pick = random() * total;
    for (const [value, weight] of entries) {
      pick -= weight;
      if (pick < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  };
}

type ResponseType = "nps" | "csat" | "ces" | "comment";

/** Each survey runs at some touchpoints and asks some question types, as real programmes do. */
const SURVEYS = [
  {
    name: "post-purchase",
    weight: 40,
    touchpoints: weighted([
      ["checkout", 45],
      ["delivery", 40],
      ["returns", 15],
    ]),
    types: weighted<ResponseType>([
      ["csat", 50],
      ["nps", 35],
      ["comment", 15],
    ]),
  },
  {
    name: "support-follow-up",
    weight: 25,
    touchpoints: weighted([
      ["support", 80],
      ["returns", 20],
    ]),
    types: weighted<ResponseType>([
      ["csat", 55],
      ["ces", 40],
      ["comment", 5],
    ]),
  },
  {
    name: "relationship",
    weight: 20,
    touchpoints: weighted([
      ["account", 70],
      ["onboarding", 30],
    ]),
    types: weighted<ResponseType>([
      ["nps", 90],
      ["comment", 10],
    ]),
  },
  {
    name: "onboarding",
    weight: 15,
    touchpoints: weighted([
      ["onboarding", 75],
      ["account", 25],
    ]),
    types: weighted<ResponseType>([
      ["ces", 60],
      ["nps", 30],
      ["comment", 10],
    ]),
  },
] as const;
const pickSurvey = weighted(SURVEYS.map((survey) => [survey, survey.weight] as const));
export const SURVEY_COUNT = SURVEYS.length;
export const TOUCHPOINT_COUNT = new Set(["checkout", "delivery", "returns", "support", "account", "onboarding"]).size;

const CHANNEL_WEIGHTS: Record<(typeof channels)[number], number> = {
  web: 34,
  email: 26,
  app: 15,
  sms: 8,
  support: 7,
  kiosk: 4,
  review: 3,
  social: 3,
};
const pickChannel = weighted(channels.map((channel) => [channel, CHANNEL_WEIGHTS[channel]] as const));

/** Segments and a typical annual value for each; `null` is a customer no segment was set for. */
const SEGMENTS = [
  ["consumer", 45, 300],
  ["smb", 25, 6_000],
  ["mid-market", 12, 40_000],
  ["enterprise", 6, 250_000],
  [null, 12, 1_000],
] as const;
export const SEGMENT_COUNT = SEGMENTS.length;
const SEGMENT_CUMULATIVE = (() => {
  const total = SEGMENTS.reduce((sum, [, weight]) => sum + weight, 0);
  let running = 0;
  return SEGMENTS.map(([segment, weight, value]) => {
    running += weight / total;
    return { segment, value, upTo: running };
  });
})();
const CURRENCIES = ["EUR", "USD", "GBP"] as const;

/** A customer's profile follows from its number alone, so no customer table is kept in memory. */
function customer(index: number): NonNullable<RollupResponse["customer"]> {
  const h = hash32(index + 1);
  const u = (h & 0xffff) / 0x10000;
  const profile = SEGMENT_CUMULATIVE.find((entry) => u < entry.upTo) ?? SEGMENT_CUMULATIVE[0];
  const { segment, value } = profile as (typeof SEGMENT_CUMULATIVE)[number];
  const known = (h >>> 16) % 10 !== 0; // 10% have no annual value on file
  const spread = 0.3 + (((h >>> 20) & 0xff) / 0xff) * 2.4; // 0.3× to 2.7× the segment's typical value
  return {
    id: `cust-${String(index).padStart(7, "0")}`,
    segment,
    annualValue: known ? Math.round(value * spread) : null,
    currency: known ? (CURRENCIES[(h >>> 28) % CURRENCIES.length] as string) : null,
  };
}

/** Scores skewed positive, as real programmes see (NPS around +20 to +30). */
const NPS_SCORES = weighted(
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s, i) => [s, [3, 1, 2, 2, 3, 6, 7, 11, 16, 20, 29][i] as number] as const),
);
const CSAT_5 = weighted([1, 2, 3, 4, 5].map((s, i) => [s, [6, 7, 14, 33, 40][i] as number] as const));
const CES_7 = weighted([1, 2, 3, 4, 5, 6, 7].map((s, i) => [s, [4, 5, 8, 12, 21, 26, 24][i] as number] as const));
const CES_5 = weighted([1, 2, 3, 4, 5].map((s, i) => [s, [6, 9, 15, 35, 35][i] as number] as const));
const COMMENT_RATE: Record<ResponseType, number> = { nps: 0.45, csat: 0.35, ces: 0.3, comment: 1 };

const THEMES = Object.keys(DEFAULT_THEMES);
export const THEME_COUNT = THEMES.length;
/** Themes a touchpoint's comments lean to (the rest are drawn from the whole taxonomy). */
const TOUCHPOINT_THEMES: Record<string, string[]> = {
  checkout: ["checkout", "price", "usability", "billing"],
  delivery: ["delivery", "communication", "product quality"],
  returns: ["returns", "billing", "support"],
  support: ["support", "staff", "communication"],
  account: ["billing", "performance", "usability", "price"],
  onboarding: ["usability", "communication", "performance"],
};
const THEME_COUNTS = weighted([
  [0, 15],
  [1, 50],
  [2, 27],
  [3, 8],
]);

/** Sentiment roughly follows the score, with noise; `score` is in -1..1 as VADER's compound. */
function sentiment(random: () => number, goodness: number): NonNullable<RollupResponse["sentiment"]> {
  const score = Math.max(-1, Math.min(1, (goodness - 0.5) * 1.6 + (random() - 0.5) * 0.8));
  const rounded = Math.round(score * 10_000) / 10_000;
  const label = rounded >= 0.05 ? "positive" : rounded <= -0.05 ? "negative" : random() < 0.3 ? "mixed" : "neutral";
  return { label, score: rounded };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID-shaped id (26 characters, time first) like the ones intake assigns. */
function ulidLike(ms: number, random: () => number): string {
  let time = "";
  for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let rest = "";
  for (let i = 0; i < 16; i++) rest += CROCKFORD[Math.floor(random() * 32)];
  return time + rest;
}

export interface SyntheticPlan {
  /** Responses over the whole span. */
  total: number;
  /** The last day (`YYYY-MM-DD`); the span is the `days` days ending there. */
  lastDay: string;
  days: number;
  seed: number;
}

/** How many responses each day gets: weekdays busier than weekends, a slow upward trend, some noise; sums to `total`. */
export function dailyCounts(plan: SyntheticPlan): { day: string; count: number }[] {
  const random = prng(plan.seed);
  const first = addDays(plan.lastDay, -(plan.days - 1));
  const weights = Array.from({ length: plan.days }, (_, i) => {
    const day = addDays(first, i);
    const weekday = new Date(day).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 0.55 : 1;
    return { day, weight: weekend * (0.85 + (0.3 * i) / plan.days) * (0.85 + random() * 0.3) };
  });
  const sum = weights.reduce((total, entry) => total + entry.weight, 0);
  const counts = weights.map(({ day, weight }) => ({ day, count: Math.floor((plan.total * weight) / sum) }));
  let missing = plan.total - counts.reduce((total, entry) => total + entry.count, 0);
  for (let i = counts.length - 1; missing > 0; i = (i - 1 + counts.length) % counts.length, missing--)
    (counts[i] as { count: number }).count += 1;
  return counts;
}

/** One day's responses; the same plan and day always give the same responses. */
export function* responsesOfDay(plan: SyntheticPlan, day: string, count: number): Generator<RollupResponse> {
  const random = prng(plan.seed ^ hash32(Date.parse(day) / 86_400_000));
  // About four responses per customer over the span; a few customers answer far more often than most.
  const customers = Math.max(500, Math.round(plan.total / 4));
  const start = Date.parse(`${day}T00:00:00Z`);
  for (let i = 0; i < count; i++) {
    const survey = pickSurvey(random);
    const type = survey.types(random);
    const touchpoint = survey.touchpoints(random);
    const channel = pickChannel(random);
    const ms = start + Math.floor(random() * 86_400_000);

    let score: number | null = null;
    let scale: RollupResponse["scale"] = null;
    let goodness = 0.5;
    if (type === "nps") {
      score = NPS_SCORES(random);
      scale = { min: 0, max: 10 };
      goodness = score / 10;
    } else if (type === "csat") {
      score = CSAT_5(random);
      scale = { min: 1, max: 5 };
      goodness = (score - 1) / 4;
    } else if (type === "ces") {
      const older = random() < 0.1; // a few forms still ask CES on 1-5
      score = older ? CES_5(random) : CES_7(random);
      scale = older ? { min: 1, max: 5 } : { min: 1, max: 7 };
      goodness = (score - scale.min) / (scale.max - scale.min);
    } else goodness = random();

    const commented = random() < COMMENT_RATE[type];
    const themes: string[] = [];
    if (commented) {
      const wanted = THEME_COUNTS(random);
      const leaning = TOUCHPOINT_THEMES[touchpoint] ?? THEMES;
      for (let n = 0; n < wanted; n++) {
        const pool = random() < 0.7 ? leaning : THEMES;
        const theme = pool[Math.floor(random() * pool.length)] as string;
        if (!themes.includes(theme)) themes.push(theme);
      }
    }
    const anonymous = random() < 0.12;
    const who = Math.floor(customers * random() ** 1.6);
    yield {
      id: ulidLike(ms, random),
      type,
      score,
      scale,
      themes,
      sentiment: commented ? sentiment(random, goodness) : null,
      survey: survey.name,
      touchpoint,
      stage: stageOf(DEFAULT_JOURNEY, touchpoint),
      channel,
      submittedAt: new Date(ms).toISOString(),
      customer: anonymous ? null : customer(who),
    };
  }
}
