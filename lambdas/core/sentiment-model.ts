/**
 * A ridge regression fitted to human ratings over the English rules' reading of a text (bench/sentiment-train.ts,
 * weights in sentiment-model.json): four of the rules' numbers plus hashed unigrams and bigrams that hold a
 * lexicon word. Only lexicon words take part so that the fit re-weighs sentiment words in context ("!bad",
 * "not bad") rather than learning a training domain's topics ("film", "mayor"), which did not carry over.
 * Kept free of the JSON so that the trainer shares the exact featurisation.
 */
export interface SentimentModel {
  /** Indices into LEXICON_FEATURES of the numbers used, with their training mean, deviation and weight. */
  dense: number[];
  mean: number[];
  std: number[];
  denseWeights: number[];
  bits: number;
  /** Hashed n-gram weights, int8 × `scale`, base64. */
  hashed: string;
  scale: number;
}

export const fnv1a = (text: string) => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
};

/** A negation's scope marks a word "!" ("!helpful"); the lexicon knows the word without it. */
const bare = (word: string) => (word.startsWith("!") ? word.slice(1) : word);

/**
 * Each unigram that is a lexicon word and each bigram holding one, hashed into 2^bits buckets: its count
 * (at most 2) over the square root of the number of distinct buckets, so that long texts do not dominate.
 */
export function hashedGrams(words: readonly string[], bits: number, known: (word: string) => boolean) {
  const grams = new Map<number, number>();
  const mask = (1 << bits) - 1;
  const add = (gram: string) => {
    const bucket = fnv1a(gram) & mask;
    grams.set(bucket, (grams.get(bucket) ?? 0) + 1);
  };
  words.forEach((word, i) => {
    const next = words[i + 1];
    const isKnown = known(bare(word));
    if (isKnown) add(word);
    if (next !== undefined && (isKnown || known(bare(next)))) add(`${word} ${next}`);
  });
  const norm = 1 / Math.sqrt(Math.max(1, grams.size));
  for (const [bucket, count] of grams) grams.set(bucket, Math.min(count, 2) * norm);
  return grams;
}

/** The dense inputs, standardised as in training. */
export const standardised = (values: readonly number[], model: Pick<SentimentModel, "dense" | "mean" | "std">) =>
  model.dense.map((j, k) => ((values[j] as number) - (model.mean[k] as number)) / (model.std[k] as number));

/**
 * The predicted rating (−4..+4 scale) minus the prediction for a text in which the rules find nothing, so that
 * a text without sentiment words scores 0, as with the rules alone.
 */
export function createModel(model: SentimentModel, known: (word: string) => boolean) {
  const hashed = Int8Array.from(Buffer.from(model.hashed, "base64"), (byte) => (byte << 24) >> 24);
  const denseOf = (values: readonly number[]) =>
    standardised(values, model).reduce((sum, x, k) => sum + x * (model.denseWeights[k] as number), 0);
  // The four numbers used (compound, total, positive, negative) are all 0 when the rules find nothing.
  const nothing = denseOf(Array(Math.max(...model.dense) + 1).fill(0));
  return (values: readonly number[], words: readonly string[]) => {
    let sum = denseOf(values) - nothing;
    for (const [bucket, x] of hashedGrams(words, model.bits, known))
      sum += x * (hashed[bucket] as number) * model.scale;
    return sum;
  };
}
