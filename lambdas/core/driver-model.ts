import fCdf from "@stdlib/stats-base-dists-f-cdf";
import { BLOCK_ANSWER_SAMPLE_SIZE, type DayAggregate, type SampledAnswer, sampleAnswers } from "./aggregates";
import { SIGNIFICANCE_LEVEL } from "./intervals";

/**
 * The key-driver model: a linear regression of the NPS score (0-10) on the themes of the answer,
 * the customer's CSAT and CES answers in the window and the answer's attributes, with R² split
 * among the drivers by LMG (the Shapley value of R², averaged over every order of entry; Lindeman,
 * Merenda & Gold 1980; Grömping 2006). Each driver's significance is the partial F-test of its
 * columns in the full model. It reads only the window's answer sample (the blocks' and days' samples
 * cut to the one the blocks keep), so its cost is bounded, never by the history or the volume. See
 * docs/metrics.md, "Driver model".
 */

/** Most themes entered, the most mentioned first: with the others, at most 12 drivers, so 4,096 subset fits. */
const MAX_THEMES = 6;
/** A theme, a level of an attribute or a CSAT/CES answer needs this many NPS answers to be entered. */
const MIN_ROWS_PER_PREDICTOR = 5;
const ATTRIBUTES = ["segment", "channel", "touchpoint", "survey"] as const;
const NO_VALUE = "(none)";
/** Pivots smaller than this share of their column's variance are taken as collinear and dropped. */
const COLLINEAR = 1e-9;

export type DriverKind = "theme" | "answer" | "attribute";
interface Predictor {
  name: string;
  kind: DriverKind;
  columns: number[][];
}
export interface DriverModel {
  rSquared: number | null;
  n: number;
  insufficient: boolean;
  sampled: boolean;
  drivers: {
    name: string;
    kind: DriverKind;
    weight: number;
    share: number | null;
    pValue: number;
    significant: boolean;
  }[];
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const roundP = (p: number) => Number(p.toPrecision(4));

/** Each customer's mean rescaled score of one answer type in the window. */
function meanByCustomer(answers: readonly SampledAnswer[], type: "csat" | "ces") {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const answer of answers) {
    if (answer.type !== type || answer.customer === null) continue;
    const into = sums.get(answer.customer) ?? { sum: 0, count: 0 };
    into.sum += answer.score;
    into.count += 1;
    sums.set(answer.customer, into);
  }
  return new Map([...sums].map(([customer, { sum, count }]) => [customer, sum / count]));
}

function themePredictors(rows: readonly SampledAnswer[]): Predictor[] {
  const mentions = new Map<string, number>();
  for (const row of rows) for (const theme of row.themes) mentions.set(theme, (mentions.get(theme) ?? 0) + 1);
  return [...mentions]
    .filter(([, count]) => count >= MIN_ROWS_PER_PREDICTOR && rows.length - count >= MIN_ROWS_PER_PREDICTOR)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, MAX_THEMES)
    .map(([theme]) => ({
      name: theme,
      kind: "theme",
      columns: [rows.map((row) => (row.themes.includes(theme) ? 1 : 0))],
    }));
}

/**
 * The customer's CSAT or CES (rescaled 0..1). A customer without one gets the mean of those who
 * have one, so the column carries only what the answers add; a missing answer adds nothing.
 */
function answerPredictors(rows: readonly SampledAnswer[], answers: readonly SampledAnswer[]): Predictor[] {
  return (["csat", "ces"] as const).flatMap((type): Predictor[] => {
    const byCustomer = meanByCustomer(answers, type);
    const known = rows.map((row) => (row.customer === null ? undefined : byCustomer.get(row.customer)));
    const observed = known.filter((value): value is number => value !== undefined);
    if (observed.length < MIN_ROWS_PER_PREDICTOR || new Set(observed).size < 2) return [];
    const mean = observed.reduce((sum, value) => sum + value, 0) / observed.length;
    return [{ name: type, kind: "answer", columns: [known.map((value) => value ?? mean)] }];
  });
}

/** One indicator per level seen in enough rows, against the most frequent level (rarer levels join it). */
function attributePredictors(rows: readonly SampledAnswer[], survey: string | undefined): Predictor[] {
  return ATTRIBUTES.filter((attribute) => attribute !== "survey" || survey === undefined).flatMap(
    (attribute): Predictor[] => {
      const values = rows.map((row) => row[attribute] ?? NO_VALUE);
      const counts = new Map<string, number>();
      for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
      const levels = [...counts]
        .filter(([, count]) => count >= MIN_ROWS_PER_PREDICTOR)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        .map(([level]) => level);
      const entered = levels.slice(1);
      if (entered.length === 0 || rows.length - (counts.get(levels[0] as string) ?? 0) < MIN_ROWS_PER_PREDICTOR)
        return [];
      return [
        {
          name: attribute,
          kind: "attribute",
          columns: entered.map((level) => values.map((value) => (value === level ? 1 : 0))),
        },
      ];
    },
  );
}

/** Centred cross-products of the columns and the outcome: everything a subset's R² needs. */
function crossProducts(columns: readonly number[][], outcome: readonly number[]) {
  const n = outcome.length;
  const centre = (values: readonly number[]) => {
    const mean = values.reduce((sum, value) => sum + value, 0) / n;
    return values.map((value) => value - mean);
  };
  const x = columns.map(centre);
  const y = centre(outcome);
  const dot = (a: readonly number[], b: readonly number[]) =>
    a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
  return { xx: x.map((a) => x.map((b) => dot(a, b))), xy: x.map((a) => dot(a, y)), yy: dot(y, y) };
}

/**
 * R² and rank of the regression on every subset of the predictors, by bitmask. A depth-first walk
 * adds predictors in index order, each child eliminating its predictor's columns from a copy of its
 * parent's reduced normal equations (Gaussian elimination, the sweep operator's forward half), so
 * each subset costs one predictor's elimination instead of a fit from scratch: ~20× fewer operations
 * at 12 drivers. A column whose pivot shows it is (nearly) a combination of earlier ones is skipped.
 */
function subsetFits(products: ReturnType<typeof crossProducts>, offsets: readonly number[][]) {
  const columns = products.xy.length;
  const size = columns + 1;
  const outcome = columns;
  const equations = new Float64Array(size * size);
  for (let r = 0; r < columns; r++) {
    for (let c = 0; c < columns; c++) equations[r * size + c] = products.xx[r]?.[c] as number;
    equations[r * size + outcome] = products.xy[r] as number;
    equations[outcome * size + r] = products.xy[r] as number;
  }
  equations[outcome * size + outcome] = products.yy;
  const fits = new Array<{ rSquared: number; rank: number }>(2 ** offsets.length);
  // One matrix per depth, reused: a child is done with it before its next sibling overwrites it.
  const levels = Array.from({ length: offsets.length }, () => new Float64Array(size * size));
  const visit = (mask: number, first: number, reduced: Float64Array, rank: number, depth: number) => {
    fits[mask] = {
      rSquared: Math.min(1, (products.yy - (reduced[outcome * size + outcome] as number)) / products.yy),
      rank,
    };
    for (let index = first; index < offsets.length; index++) {
      const next = levels[depth] as Float64Array;
      next.set(reduced);
      let kept = rank;
      for (const pivot of offsets[index] as number[])
        if (eliminate(next, size, pivot, products.xx[pivot]?.[pivot] as number)) kept += 1;
      visit(mask | (1 << index), index + 1, next, kept, depth + 1);
    }
  };
  visit(0, 0, equations, 0, 0);
  return fits;
}

/**
 * Eliminates column `pivot` from the rows and columns after it (only later columns are entered
 * below it in the walk); false, and nothing changed, when its pivot is below COLLINEAR of its variance.
 */
function eliminate(equations: Float64Array, size: number, pivot: number, variance: number): boolean {
  const diagonal = equations[pivot * size + pivot] as number;
  if (variance === 0 || !(diagonal > COLLINEAR * variance)) return false;
  for (let r = pivot + 1; r < size; r++) {
    const factor = (equations[r * size + pivot] as number) / diagonal;
    if (factor === 0) continue;
    for (let c = pivot + 1; c < size; c++)
      equations[r * size + c] = (equations[r * size + c] as number) - factor * (equations[pivot * size + c] as number);
  }
  return true;
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

export function fitDriverModel(input: {
  days: readonly DayAggregate[];
  survey?: string;
  minResponses: number;
}): DriverModel | null {
  // Each block or day keeps its own bottom-k; only the bottom-k of their union is a sample in which
  // every customer is alike likely, whichever block they answered in (a short block keeps as many as a long one).
  const all = input.days.flatMap((day) => day.answers);
  const answers = sampleAnswers(all, BLOCK_ANSWER_SAMPLE_SIZE);
  const sampled = answers.length < all.length || input.days.some((day) => day.answers.length < scoredAnswers(day));
  const rows = answers.filter(
    (answer) => answer.type === "nps" && (input.survey === undefined || answer.survey === input.survey),
  );
  if (rows.length === 0) return null;
  const n = rows.length;
  const outcome = rows.map((row) => 10 * row.score);
  // Most columns first: the walk in subsetFits eliminates the i-th predictor 2^i times, so the
  // attributes' several columns go where they are eliminated least often (R² and rank of a subset
  // do not depend on the order; drivers are sorted by weight below).
  const predictors = [
    ...themePredictors(rows),
    ...answerPredictors(rows, answers),
    ...attributePredictors(rows, input.survey),
  ].sort((a, b) => b.columns.length - a.columns.length);
  const products = crossProducts(
    predictors.flatMap((predictor) => predictor.columns),
    outcome,
  );
  const insufficient = n < input.minResponses;
  if (products.yy === 0 || predictors.length === 0) return { rSquared: null, n, insufficient, sampled, drivers: [] };

  const offsets: number[][] = [];
  let next = 0;
  for (const predictor of predictors) {
    offsets.push(predictor.columns.map((_, index) => next + index));
    next += predictor.columns.length;
  }
  const p = predictors.length;
  const subsets = subsetFits(products, offsets);
  const full = subsets[2 ** p - 1] as { rSquared: number; rank: number };
  const residualDf = n - full.rank - 1;
  // The share of the orders of entry in which a driver enters after exactly `size` others.
  const orderShare = Array.from({ length: p }, (_, size) => (factorial(size) * factorial(p - size - 1)) / factorial(p));
  const rSquared = Float64Array.from(subsets, (subset) => subset.rSquared);
  const shareOf = Float64Array.from(subsets, (_, mask) => orderShare[popCount(mask)] ?? 0);
  const weights = predictors.map((_, index) => {
    const bit = 1 << index;
    let weight = 0;
    for (let mask = 0; mask < rSquared.length; mask++)
      if (!(mask & bit))
        weight += (shareOf[mask] as number) * ((rSquared[mask | bit] as number) - (rSquared[mask] as number));
    return weight;
  });
  const drivers = predictors.map((predictor, index) => {
    const reduced = subsets[(2 ** p - 1) & ~(1 << index)] as { rSquared: number; rank: number };
    const pValue = partialFTest(full, reduced, residualDf);
    return {
      name: predictor.name,
      kind: predictor.kind,
      weight: round(weights[index] as number, 4),
      share: full.rSquared === 0 ? null : round((100 * (weights[index] as number)) / full.rSquared, 2),
      pValue: roundP(pValue),
      significant: !insufficient && pValue < SIGNIFICANCE_LEVEL,
    };
  });
  drivers.sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
  return { rSquared: round(full.rSquared, 4), n, insufficient: insufficient || residualDf < 1, sampled, drivers };
}

/** p-value of dropping a driver's columns from the full model (1 when they add no column of their own). */
function partialFTest(
  full: { rSquared: number; rank: number },
  reduced: { rSquared: number; rank: number },
  residualDf: number,
): number {
  const q = full.rank - reduced.rank;
  const gain = Math.max(0, full.rSquared - reduced.rSquared);
  if (q === 0 || residualDf < 1) return 1;
  if (1 - full.rSquared <= Number.EPSILON) return gain > 0 ? 0 : 1;
  const f = gain / q / ((1 - full.rSquared) / residualDf);
  return 1 - fCdf(f, q, residualDf);
}

const popCount = (mask: number) => {
  let count = 0;
  for (let rest = mask; rest; rest &= rest - 1) count += 1;
  return count;
};

/** Scored answers the day had (from its cells), to tell whether its sample left some out. */
function scoredAnswers(day: DayAggregate): number {
  let total = 0;
  for (const cell of day.cells) {
    total += cell.stats.nps.responses;
    for (const counts of [...Object.values(cell.stats.csat), ...Object.values(cell.stats.ces)])
      total += counts.responses;
  }
  return total;
}
