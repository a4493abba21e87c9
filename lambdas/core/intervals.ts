import normalCdf from "@stdlib/stats-base-dists-normal-cdf";

/**
 * 95% intervals and two-sample tests with honest small-sample coverage (docs/metrics.md, "Intervals
 * and tests"). Everything here works in proportions (0..1, or −1..1 for a net score); callers scale
 * to points. Coverage and false-positive rates are checked by simulation in test/unit/intervals.test.ts.
 */

/** Φ⁻¹(0.975): the two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;
export const SIGNIFICANCE_LEVEL = 0.05;

export interface Interval {
  low: number;
  high: number;
}
export interface Comparison {
  /** The 95% interval of the difference (first minus second). */
  interval: Interval;
  /** Two-sided p-value of "no difference". */
  pValue: number;
}
export interface NetCounts {
  responses: number;
  promoters: number;
  detractors: number;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
/** Two-sided p-value of a standard normal statistic (computed from the lower tail, which keeps precision). */
export const twoSidedP = (z: number) => Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));

/**
 * One pseudo-answer added to each of the three categories (Agresti–Caffo's idea for a trinomial),
 * which keeps the variance away from zero at 0 or n detractors, where the plain Wald interval has
 * zero width and near-zero coverage.
 */
const PSEUDO_PER_CATEGORY = 1;

/** Adjusted net score p̃ − d̃ with its variance, and the continuity correction 1 / (2n). */
function adjustedNet(counts: NetCounts) {
  const n = counts.responses + 3 * PSEUDO_PER_CATEGORY;
  const p = (counts.promoters + PSEUDO_PER_CATEGORY) / n;
  const d = (counts.detractors + PSEUDO_PER_CATEGORY) / n;
  return { estimate: p - d, variance: (p + d - (p - d) ** 2) / n, correction: 1 / (2 * counts.responses) };
}

/** 95% interval of a net score (promoters − detractors, as a share −1..1); null without answers. */
export function netScoreInterval(counts: NetCounts): Interval | null {
  if (counts.responses === 0) return null;
  const { estimate, variance, correction } = adjustedNet(counts);
  const half = Z95 * Math.sqrt(variance) + correction;
  return { low: clamp(estimate - half, -1, 1), high: clamp(estimate + half, -1, 1) };
}

/**
 * Two independent net scores: the difference of the adjusted estimates over the root of their
 * summed variances, with both continuity corrections; the interval and the test agree (the interval
 * excludes 0 exactly when p < 0.05).
 */
export function compareNetScores(first: NetCounts, second: NetCounts): Comparison | null {
  if (first.responses === 0 || second.responses === 0) return null;
  const a = adjustedNet(first);
  const b = adjustedNet(second);
  const difference = a.estimate - b.estimate;
  const se = Math.sqrt(a.variance + b.variance);
  const correction = a.correction + b.correction;
  const half = Z95 * se + correction;
  return {
    interval: { low: clamp(difference - half, -2, 2), high: clamp(difference + half, -2, 2) },
    pValue: twoSidedP(Math.max(0, Math.abs(difference) - correction) / se),
  };
}

/** Wilson's score interval with continuity correction (Newcombe 1998, method 4); null without answers. */
export function shareInterval(successes: number, n: number): Interval | null {
  if (n === 0) return null;
  const share = successes / n;
  const z2 = Z95 * Z95;
  const denominator = 2 * (n + z2);
  const low =
    successes === 0
      ? 0
      : (2 * n * share + z2 - 1 - Z95 * Math.sqrt(z2 - 2 - 1 / n + 4 * share * (n * (1 - share) + 1))) / denominator;
  const high =
    successes === n
      ? 1
      : (2 * n * share + z2 + 1 + Z95 * Math.sqrt(z2 + 2 - 1 / n + 4 * share * (n * (1 - share) - 1))) / denominator;
  return { low: clamp(low, 0, 1), high: clamp(high, 0, 1) };
}

/**
 * Two independent shares: Newcombe's hybrid score interval of the difference built from the
 * continuity-corrected Wilson limits (Newcombe 1998, method 11), and the pooled two-proportion
 * score test with Yates's continuity correction for the p-value.
 */
export function compareShares(
  first: { successes: number; n: number },
  second: { successes: number; n: number },
): Comparison | null {
  const one = shareInterval(first.successes, first.n);
  const two = shareInterval(second.successes, second.n);
  if (!one || !two) return null;
  const p1 = first.successes / first.n;
  const p2 = second.successes / second.n;
  const difference = p1 - p2;
  const interval = {
    low: difference - Math.hypot(p1 - one.low, two.high - p2),
    high: difference + Math.hypot(one.high - p1, p2 - two.low),
  };
  const pooled = (first.successes + second.successes) / (first.n + second.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / first.n + 1 / second.n));
  const correction = 1 / (2 * first.n) + 1 / (2 * second.n);
  const pValue = se === 0 ? 1 : twoSidedP(Math.max(0, Math.abs(difference) - correction) / se);
  return { interval, pValue };
}
