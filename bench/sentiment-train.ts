/**
 * Fits the English sentiment model (lambdas/core/sentiment-model.ts) to the human-rated sets of Hutto & Gilbert
 * 2014 and the review sentences of Kotzias et al. 2015, and measures, leave-one-domain-out, whether it generalises
 * better than the rules alone.
 * `npx tsx bench/sentiment-train.ts` writes lambdas/core/sentiment-model.json (checked in); `npm run bench --
 * sentiment` prints the leave-one-domain-out table. Deterministic: the solver is exact arithmetic in a fixed
 * order and the bootstrap is seeded.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { LEXICON_FEATURES, lexiconFeatures, vaderSentiment } from "../lambdas/core/sentiment";
import { rulesFor } from "../lambdas/core/sentiment-lexicons";
import { hashedGrams, type SentimentModel, standardised } from "../lambdas/core/sentiment-model";
import {
  FIXTURES,
  parseRatedSet,
  pearson,
  type RatedText,
  readRatedFixture,
  signAccuracy,
} from "../test/support/sentiment-sets";

const SHARED = new URL("../../shared/data/sentiment/", import.meta.url);
const DOMAINS = ["movieReviewSnippets", "nytEditorialSnippets", "tweets"] as const;
/**
 * Kotzias et al. 2015 (test/fixtures/sentiment/labelled): 1,000 product-review sentences, labelled positive or
 * negative. Their Yelp set is not shipped, its source's terms forbid redistribution; their IMDb set made the model
 * read feedback as film reviews ("outrageous" milder, a complaint after "but" no longer negative). docs/sentiment.md.
 */
const LABELLED_SETS = ["amazon_cells"] as const;
/** The product-review fold: the nearest shippable text to what customers write. */
const PRODUCT_REVIEWS = "amazon_cells";
/** A binary label stands for this rating either side of 0 (a clearly rated text is ±1 to ±3 on the −4..4 scale)… */
const LABELLED_RATING = 2;
/** …and a labelled set weighs half a human-rated one: its label says which side, not how far. */
const LABELLED_WEIGHT = 0.5;
const MODEL_FILE = new URL("../lambdas/core/sentiment-model.json", import.meta.url);
const english = rulesFor("en");

interface Example {
  rating: number;
  text: string;
  values: number[];
  words: string[];
}

interface Domain {
  name: string;
  examples: Example[];
  /** Relative to a human-rated set's 1. */
  weight: number;
}

interface Candidate {
  name: string;
  /** Whether the labelled review sentences are trained on besides the human-rated sets. */
  labelled: boolean;
  /** Indices into LEXICON_FEATURES. */
  dense: number[];
  /** Which words the hashed n-grams hold: none, every word, or only n-grams with a lexicon word. */
  grams: "none" | "all" | "lexicon";
}

const ALL_FEATURES = LEXICON_FEATURES.map((_, j) => j);
const RULES_SCORES = [0, 1, 2, 3];
export const CANDIDATES: Candidate[] = [
  { name: "(a) ridge over the rules' numbers", labelled: false, dense: ALL_FEATURES, grams: "none" },
  { name: "(b) (a) + hashed uni/bigrams", labelled: false, dense: ALL_FEATURES, grams: "all" },
  { name: "(c) rules' scores + lexicon-word uni/bigrams", labelled: false, dense: RULES_SCORES, grams: "lexicon" },
  { name: "(d) (c) + labelled review sentences", labelled: true, dense: RULES_SCORES, grams: "lexicon" },
];
export const ADOPTED = CANDIDATES[3] as Candidate;
const BITS = 16;
/** Ridge penalty of the n-gram weights, chosen per fold on the training domains; the rules' numbers get 1. */
const LAMBDAS = [10, 30, 100, 300];
const DENSE_LAMBDA = 1;
const CG_ITERATIONS = 150;
const BOOTSTRAP_SAMPLES = 1000;

const featurize = (set: readonly RatedText[]): Example[] =>
  set.map(({ rating, text }) => ({ rating, text, ...lexiconFeatures(text, "en") }));

/** Kotzias et al.'s `sentence<TAB>0|1`, as ratings ±LABELLED_RATING. */
export const readLabelledSentences = (name: (typeof LABELLED_SETS)[number]): RatedText[] =>
  readFileSync(new URL(`labelled/${name}_labelled.txt`, FIXTURES), "utf8")
    .trim()
    .split(/\r?\n/)
    .map((line) => {
      const tab = line.lastIndexOf("\t");
      return {
        text: line.slice(0, tab).trim(),
        rating: line.slice(tab + 1).trim() === "1" ? LABELLED_RATING : -LABELLED_RATING,
      };
    });

/**
 * The three shared sets that are present, the labelled review sentences (shipped) and the project's review fixture
 * (never trained on).
 */
export function loadSets() {
  const domains: Domain[] = [];
  for (const name of DOMAINS) {
    const file = new URL(`${name}_GroundTruth.txt`, SHARED);
    if (existsSync(file))
      domains.push({ name, examples: featurize(parseRatedSet(readFileSync(file, "latin1"))), weight: 1 });
  }
  const labelled = LABELLED_SETS.map((name) => ({
    name,
    examples: featurize(readLabelledSentences(name)),
    weight: LABELLED_WEIGHT,
  }));
  return { domains, labelled, reviews: featurize(readRatedFixture("en-reviews.tsv")) };
}

/** What a candidate is fitted on when `held` is left out (every domain for the shipped model). */
const trainingDomains = (sets: ReturnType<typeof loadSets>, candidate: Candidate, held?: string) =>
  [...sets.domains, ...(candidate.labelled ? sets.labelled : [])].filter((domain) => domain.name !== held);

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

function fitRidge(train: readonly Domain[], candidate: Candidate, lambda: number) {
  const all = train.flatMap((domain) => domain.examples);
  const mean = candidate.dense.map((j) => all.reduce((sum, e) => sum + (e.values[j] as number), 0) / all.length);
  const std = candidate.dense.map(
    (j, k) =>
      Math.sqrt(all.reduce((sum, e) => sum + ((e.values[j] as number) - (mean[k] as number)) ** 2, 0) / all.length) ||
      1,
  );
  // Each domain weighs its share whatever its size, and its ratings are centred: the fit learns what orders texts
  // within a domain.
  const y = train.flatMap(({ examples }) => {
    const centre = examples.reduce((sum, e) => sum + e.rating, 0) / examples.length;
    return examples.map((e) => e.rating - centre);
  });
  const totalWeight = train.reduce((sum, domain) => sum + domain.weight, 0);
  const weight = train.flatMap(({ examples, weight }) =>
    examples.map(() => (all.length * weight) / totalWeight / examples.length),
  );
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

/** λ by the training domains alone: fit on all but one, score that one, each in turn, best mean r. */
function chooseLambda(train: readonly Domain[], candidate: Candidate) {
  if (candidate.grams === "none" || train.length < 2) return DENSE_LAMBDA;
  const meanR = (lambda: number) =>
    train.reduce((sum, test, t) => {
      const model = fitRidge(
        train.filter((_, k) => k !== t),
        candidate,
        lambda,
      );
      return sum + correlation(test.examples, model.score(test.examples));
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

/** Even and odd lines, so that each half of a set can be scored by a fit that saw only the other half. */
const halves = (domain: Domain) =>
  [0, 1].map((k) => ({ ...domain, examples: domain.examples.filter((_, i) => i % 2 === k) }));

/**
 * Leave-one-domain-out: each candidate is scored on each human-rated set with that set left out of its training;
 * on the product-review sentences, each half by a fit that saw at most the other half (none of them unless the
 * candidate trains on labelled sentences); and the one fitted on everything is scored on en-reviews. Baselines
 * are scored on the same texts.
 */
export function leaveOneDomainOut(log: (line: string) => void, candidates = CANDIDATES) {
  const started = performance.now();
  const sets = loadSets();
  if (sets.domains.length < DOMAINS.length) {
    log("leave-one-domain-out: the human-rated sets are not under ../shared/data/sentiment, skipped");
    return;
  }
  const split = halves(sets.labelled.find((domain) => domain.name === PRODUCT_REVIEWS) as Domain);
  const tested = [
    ...sets.domains.map((domain) => domain.examples),
    split.flatMap((half) => half.examples),
    sets.reviews,
  ];
  const columns = [
    ...sets.domains.map((domain) => domain.name),
    `${PRODUCT_REVIEWS} (binary labels, 2 halves)`,
    "en-reviews (never trained on)",
  ];
  const rules = tested.map((set) => set.map((e) => e.values[0] as number));
  const cells = (scores: number[][]) =>
    Object.fromEntries(columns.map((name, k) => [name, cell(tested[k] as Example[], scores[k] as number[])]));
  const table: Record<string, string>[] = [
    { model: "vader-sentiment 1.1.3", ...cells(tested.map((set) => set.map((e) => vaderSentiment(e.text).score))) },
    { model: "cxloop rules", ...cells(rules) },
  ];
  const intervals: string[] = [];
  for (const candidate of candidates) {
    const chosen: number[] = [];
    const scores = sets.domains.map(({ name, examples }) => {
      const train = trainingDomains(sets, candidate, name);
      const lambda = chooseLambda(train, candidate);
      chosen.push(lambda);
      return fitRidge(train, candidate, lambda).score(examples);
    });
    scores.push(
      split.flatMap((half, k) => {
        const other = candidate.labelled ? [split[1 - k] as Domain] : [];
        const train = [...trainingDomains(sets, candidate, PRODUCT_REVIEWS), ...other];
        return fitRidge(train, candidate, chooseLambda(train, candidate)).score(half.examples);
      }),
    );
    const lambda = finalLambda(chosen);
    scores.push(fitRidge(trainingDomains(sets, candidate), candidate, lambda).score(sets.reviews));
    table.push({ model: `${candidate.name}, λ ${chosen.join("/")}→${lambda}`, ...cells(scores) });
    intervals.push(
      `${candidate.name}: r − rules, 95% paired bootstrap: ${tested
        .map((set, k) => {
          const [low, high] = differenceInterval(set, scores[k] as number[], rules[k] as number[]);
          return `[${round3(low as number)}, ${round3(high as number)}]`;
        })
        .join(" ")}`,
    );
  }
  log("\nLeave-one-domain-out (each column's set left out of training): Pearson r / sign accuracy");
  console.table(table);
  for (const line of intervals) log(line);
  log(`(${Math.round((performance.now() - started) / 1000)} s)`);
}

/** The λ the folds chose most often (the smaller on a tie), for the model fitted on every set. */
const finalLambda = (chosen: readonly number[]) =>
  [...chosen].sort(
    (a, b) => chosen.filter((c) => c === b).length - chosen.filter((c) => c === a).length || a - b,
  )[0] as number;

/** Fits the adopted candidate on every set and writes the weights, the n-gram weights as int8. */
export function writeModel(log: (line: string) => void) {
  const sets = loadSets();
  if (sets.domains.length < DOMAINS.length)
    throw new Error("the human-rated sets are not under ../shared/data/sentiment");
  const chosen = sets.domains.map(({ name }) => chooseLambda(trainingDomains(sets, ADOPTED, name), ADOPTED));
  const lambda = finalLambda(chosen);
  const { w, mean, std } = fitRidge(trainingDomains(sets, ADOPTED), ADOPTED, lambda);
  const grams = w.subarray(1 + ADOPTED.dense.length);
  const scale = grams.reduce((max, x) => Math.max(max, Math.abs(x)), 0) / 127;
  const quantised = Int8Array.from(grams, (x) => Math.round(x / scale));
  const round = (x: number) => Number(x.toPrecision(6));
  const model: SentimentModel & { source: string; lambda: number } = {
    source:
      "bench/sentiment-train.ts on the human-rated sets of Hutto & Gilbert, ICWSM 2014 (cjhutto/vaderSentiment, MIT) " +
      "and Kotzias et al., KDD 2015 (UCI Sentiment Labelled Sentences, CC BY 4.0)",
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
