/**
 * Fits the English sentiment model (lambdas/core/sentiment-model.ts) to the human-rated sets of Hutto & Gilbert
 * 2014 and measures, leave-one-domain-out, whether it generalises better than the rules alone.
 * `npx tsx bench/sentiment-train.ts` writes lambdas/core/sentiment-model.json (checked in); `npm run bench --
 * sentiment` prints the leave-one-domain-out table. Deterministic: the solver is exact arithmetic in a fixed
 * order and the bootstrap is seeded.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { LEXICON_FEATURES, lexiconFeatures, vaderSentiment } from "../lambdas/core/sentiment";
import { rulesFor } from "../lambdas/core/sentiment-lexicons";
import { hashedGrams, type SentimentModel, standardised } from "../lambdas/core/sentiment-model";
import { parseRatedSet, pearson, type RatedText, readRatedFixture, signAccuracy } from "../test/support/sentiment-sets";

const SHARED = new URL("../../shared/data/sentiment/", import.meta.url);
const DOMAINS = ["movieReviewSnippets", "nytEditorialSnippets", "tweets"] as const;
const MODEL_FILE = new URL("../lambdas/core/sentiment-model.json", import.meta.url);
const english = rulesFor("en");

interface Example {
  rating: number;
  text: string;
  values: number[];
  words: string[];
}

interface Candidate {
  name: string;
  /** Indices into LEXICON_FEATURES. */
  dense: number[];
  /** Which words the hashed n-grams hold: none, every word, or only n-grams with a lexicon word. */
  grams: "none" | "all" | "lexicon";
}

const ALL_FEATURES = LEXICON_FEATURES.map((_, j) => j);
const RULES_SCORES = [0, 1, 2, 3];
export const CANDIDATES: Candidate[] = [
  { name: "(a) ridge over the rules' numbers", dense: ALL_FEATURES, grams: "none" },
  { name: "(b) (a) + hashed uni/bigrams", dense: ALL_FEATURES, grams: "all" },
  { name: "(c) rules' scores + lexicon-word uni/bigrams", dense: RULES_SCORES, grams: "lexicon" },
];
export const ADOPTED = CANDIDATES[2] as Candidate;
const BITS = 16;
/** Ridge penalty of the n-gram weights, chosen per fold on the training domains; the rules' numbers get 1. */
const LAMBDAS = [10, 30, 100, 300];
const DENSE_LAMBDA = 1;
const CG_ITERATIONS = 150;
const BOOTSTRAP_SAMPLES = 1000;

const featurize = (set: readonly RatedText[]): Example[] =>
  set.map(({ rating, text }) => ({ rating, text, ...lexiconFeatures(text, "en") }));

/** The three shared sets that are present, and the project's review fixture (never trained on). */
export function loadSets() {
  const domains = new Map<string, Example[]>();
  for (const name of DOMAINS) {
    const file = new URL(`${name}_GroundTruth.txt`, SHARED);
    if (existsSync(file)) domains.set(name, featurize(parseRatedSet(readFileSync(file, "latin1"))));
  }
  return { domains, reviews: featurize(readRatedFixture("en-reviews.tsv")) };
}

interface Row {
  idx: number[];
  val: number[];
}

const knownFor = (candidate: Candidate) =>
  candidate.grams === "all" ? () => true : (word: string) => english.valence.has(word);

/** Column 0 is the intercept, then the standardised numbers, then 2^BITS n-gram buckets. */
function toRows(examples: readonly Example[], candidate: Candidate, mean: number[], std: number[]): Row[] {
  const offset = 1 + candidate.dense.length;
  const known = knownFor(candidate);
  return examples.map((example) => {
    const idx = [0, ...candidate.dense.map((_, k) => 1 + k)];
    const val = [1, ...standardised(example.values, { dense: candidate.dense, mean, std })];
    if (candidate.grams !== "none")
      for (const [bucket, x] of hashedGrams(example.words, BITS, known)) {
        idx.push(offset + bucket);
        val.push(x);
      }
    return { idx, val };
  });
}

/** Weighted ridge regression by conjugate gradients on the normal equations (X'SX + Λ) w = X'Sy. */
function ridge(rows: readonly Row[], y: readonly number[], weight: readonly number[], penalty: Float64Array) {
  const dim = penalty.length;
  const times = (v: Float64Array) => {
    const out = new Float64Array(dim);
    rows.forEach((row, i) => {
      let dot = 0;
      for (let k = 0; k < row.idx.length; k++) dot += (row.val[k] as number) * (v[row.idx[k] as number] as number);
      dot *= weight[i] as number;
      for (let k = 0; k < row.idx.length; k++) {
        const j = row.idx[k] as number;
        out[j] = (out[j] as number) + (row.val[k] as number) * dot;
      }
    });
    for (let j = 0; j < dim; j++) out[j] = (out[j] as number) + (penalty[j] as number) * (v[j] as number);
    return out;
  };
  const w = new Float64Array(dim);
  const r = new Float64Array(dim);
  rows.forEach((row, i) => {
    for (let k = 0; k < row.idx.length; k++) {
      const j = row.idx[k] as number;
      r[j] = (r[j] as number) + (row.val[k] as number) * (y[i] as number) * (weight[i] as number);
    }
  });
  const p = Float64Array.from(r);
  let rr = r.reduce((sum, x) => sum + x * x, 0);
  for (let iteration = 0; iteration < CG_ITERATIONS && rr > 1e-12; iteration++) {
    const ap = times(p);
    const alpha = rr / p.reduce((sum, x, j) => sum + x * (ap[j] as number), 0);
    let next = 0;
    for (let j = 0; j < dim; j++) {
      w[j] = (w[j] as number) + alpha * (p[j] as number);
      r[j] = (r[j] as number) - alpha * (ap[j] as number);
      next += (r[j] as number) ** 2;
    }
    for (let j = 0; j < dim; j++) p[j] = (r[j] as number) + (next / rr) * (p[j] as number);
    rr = next;
  }
  return w;
}

function fitRidge(train: readonly Example[][], candidate: Candidate, lambda: number) {
  const all = train.flat();
  const mean = candidate.dense.map((j) => all.reduce((sum, e) => sum + (e.values[j] as number), 0) / all.length);
  const std = candidate.dense.map(
    (j, k) =>
      Math.sqrt(all.reduce((sum, e) => sum + ((e.values[j] as number) - (mean[k] as number)) ** 2, 0) / all.length) ||
      1,
  );
  // Each domain weighs the same and its ratings are centred: the fit learns what orders texts within a domain.
  const y = train.flatMap((set) => {
    const centre = set.reduce((sum, e) => sum + e.rating, 0) / set.length;
    return set.map((e) => e.rating - centre);
  });
  const weight = train.flatMap((set) => set.map(() => all.length / train.length / set.length));
  const dim = 1 + candidate.dense.length + (candidate.grams === "none" ? 0 : 1 << BITS);
  const penalty = Float64Array.from({ length: dim }, (_, j) =>
    j === 0 ? 1e-6 : j <= candidate.dense.length ? DENSE_LAMBDA : lambda,
  );
  const w = ridge(toRows(all, candidate, mean, std), y, weight, penalty);
  const predict = (examples: readonly Example[]) =>
    toRows(examples, candidate, mean, std).map((row) =>
      row.idx.reduce((sum, j, k) => sum + (row.val[k] as number) * (w[j] as number), 0),
    );
  // As shipped (core/sentiment-model.ts): relative to a text in which the rules find nothing, which scores 0.
  const [nothing] = predict([{ rating: 0, text: "", values: LEXICON_FEATURES.map(() => 0), words: [] }]);
  const score = (examples: readonly Example[]) => predict(examples).map((x) => x - (nothing as number));
  return { w, mean, std, score };
}

const ratings = (examples: readonly Example[]) => examples.map((e) => e.rating);
const correlation = (examples: readonly Example[], scores: readonly number[]) => pearson(scores, ratings(examples));

/** λ by the two training domains alone: fit on one, score the other, both ways, best mean r. */
function chooseLambda(train: readonly Example[][], candidate: Candidate) {
  if (candidate.grams === "none" || train.length < 2) return DENSE_LAMBDA;
  const meanR = (lambda: number) =>
    train.reduce((sum, test, t) => {
      const model = fitRidge(
        train.filter((_, k) => k !== t),
        candidate,
        lambda,
      );
      return sum + correlation(test, model.score(test));
    }, 0) / train.length;
  return LAMBDAS.map((lambda) => ({ lambda, r: meanR(lambda) })).sort((a, b) => b.r - a.r)[0]?.lambda as number;
}

/** Seeded (mulberry32), so that the intervals are reproducible. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% paired-bootstrap interval of r(model) − r(rules) on the same texts. */
function differenceInterval(examples: readonly Example[], model: readonly number[], rules: readonly number[]) {
  const next = random(17);
  const n = examples.length;
  const differences = Array.from({ length: BOOTSTRAP_SAMPLES }, () => {
    const pick = Array.from({ length: n }, () => Math.floor(next() * n));
    const y = pick.map((i) => (examples[i] as Example).rating);
    return (
      pearson(
        pick.map((i) => model[i] as number),
        y,
      ) -
      pearson(
        pick.map((i) => rules[i] as number),
        y,
      )
    );
  }).sort((a, b) => a - b);
  return [differences[Math.floor(0.025 * BOOTSTRAP_SAMPLES)], differences[Math.floor(0.975 * BOOTSTRAP_SAMPLES)]];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const cell = (examples: readonly Example[], scores: readonly number[]) =>
  `${round3(correlation(examples, scores))} / ${round3(signAccuracy(examples, scores))}`;

/**
 * Leave-one-domain-out: each candidate is fitted on two shared sets and scored on the third, and the one fitted
 * on all three is scored on en-reviews. Baselines are scored on the same texts.
 */
export function leaveOneDomainOut(log: (line: string) => void, candidates = CANDIDATES) {
  const started = performance.now();
  const { domains, reviews } = loadSets();
  if (domains.size < DOMAINS.length) {
    log("leave-one-domain-out: the human-rated sets are not under ../shared/data/sentiment, skipped");
    return;
  }
  const names = [...domains.keys()];
  const sets = [...names.map((name) => domains.get(name) as Example[]), reviews];
  const rules = sets.map((set) => set.map((e) => e.values[0] as number));
  const table: Record<string, string>[] = [
    { model: "vader-sentiment 1.1.3", ...cells(sets.map((set) => set.map((e) => vaderSentiment(e.text).score))) },
    { model: "cxloop rules (current analyzer)", ...cells(rules) },
  ];
  function cells(scores: number[][]) {
    return Object.fromEntries(
      [...names, "en-reviews (never trained on)"].map((name, k) => [
        name,
        cell(sets[k] as Example[], scores[k] as number[]),
      ]),
    );
  }
  const intervals: string[] = [];
  for (const candidate of candidates) {
    const chosen: number[] = [];
    const scores = names.map((held) => {
      const train = names.filter((name) => name !== held).map((name) => domains.get(name) as Example[]);
      const lambda = chooseLambda(train, candidate);
      chosen.push(lambda);
      return fitRidge(train, candidate, lambda).score(domains.get(held) as Example[]);
    });
    const lambda = finalLambda(chosen);
    scores.push(fitRidge([...domains.values()], candidate, lambda).score(reviews));
    table.push({ model: `${candidate.name}, λ ${chosen.join("/")}→${lambda}`, ...cells(scores) });
    intervals.push(
      `${candidate.name}: r − rules, 95% paired bootstrap: ${sets
        .map((set, k) => {
          const [low, high] = differenceInterval(set, scores[k] as number[], rules[k] as number[]);
          return `[${round3(low as number)}, ${round3(high as number)}]`;
        })
        .join(" ")}`,
    );
  }
  log("\nLeave-one-domain-out (train on two human-rated sets, test on the third): Pearson r / sign accuracy");
  console.table(table);
  for (const line of intervals) log(line);
  log(`(${Math.round((performance.now() - started) / 1000)} s)`);
}

/** The λ the folds chose most often (the smaller on a tie), for the model fitted on all three sets. */
const finalLambda = (chosen: readonly number[]) =>
  [...chosen].sort(
    (a, b) => chosen.filter((c) => c === b).length - chosen.filter((c) => c === a).length || a - b,
  )[0] as number;

/** Fits the adopted candidate on all three sets and writes the weights, the n-gram weights as int8. */
export function writeModel(log: (line: string) => void) {
  const { domains } = loadSets();
  if (domains.size < DOMAINS.length) throw new Error("the human-rated sets are not under ../shared/data/sentiment");
  const names = [...domains.keys()];
  const chosen = names.map((held) =>
    chooseLambda(
      names.filter((name) => name !== held).map((name) => domains.get(name) as Example[]),
      ADOPTED,
    ),
  );
  const lambda = finalLambda(chosen);
  const { w, mean, std } = fitRidge([...domains.values()], ADOPTED, lambda);
  const grams = w.subarray(1 + ADOPTED.dense.length);
  const scale = grams.reduce((max, x) => Math.max(max, Math.abs(x)), 0) / 127;
  const quantised = Int8Array.from(grams, (x) => Math.round(x / scale));
  const round = (x: number) => Number(x.toPrecision(6));
  const model: SentimentModel & { source: string; lambda: number } = {
    source:
      "bench/sentiment-train.ts on the human-rated sets of Hutto & Gilbert, ICWSM 2014 (cjhutto/vaderSentiment, MIT)",
    lambda,
    dense: ADOPTED.dense,
    mean: mean.map(round),
    std: std.map(round),
    denseWeights: [...w.subarray(1, 1 + ADOPTED.dense.length)].map(round),
    bits: BITS,
    scale: round(scale),
    hashed: Buffer.from(quantised.buffer).toString("base64"),
  };
  const json = `${JSON.stringify(model, null, 1)}\n`;
  writeFileSync(MODEL_FILE, json);
  // Formatted as the linter wants it, so that a retrained file differs only where the weights do.
  execFileSync("npx", ["biome", "format", "--write", MODEL_FILE.pathname], { stdio: "ignore" });
  log(`wrote ${MODEL_FILE.pathname} (${Math.round(json.length / 1024)} KB, λ ${lambda})`);
}

if (import.meta.url === `file://${process.argv[1]}`) writeModel(console.log);
