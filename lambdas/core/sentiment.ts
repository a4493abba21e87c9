import vader from "vader-sentiment";
import type { Sentiment } from "../contracts/record";
import { foldText, type Language, resolveLanguage } from "./language";
import { type LanguageRules, rulesFor } from "./sentiment-lexicons";
import { createModel } from "./sentiment-model";
import modelWeights from "./sentiment-model.json";

/**
 * Port for sentiment analysis: the offline multilingual analyzer by default, Amazon Comprehend on
 * AWS by configuration. A text with no words in it has no sentiment (null), never "neutral 0".
 */
export interface SentimentAnalyzer {
  analyze(texts: readonly string[], locale?: string): Promise<(Sentiment | null)[]>;
}

/** VADER's documented thresholds on the compound score. */
const POLARITY_THRESHOLD = 0.05;
/** Both sides this strong make a comment mixed ("love the staff but the checkout was horrible"). */
const MIXED_SHARE = 0.2;

const round2 = (n: number) => Math.round(n * 100) / 100;

export const hasWords = (text: string | null | undefined): text is string => /[\p{L}\p{N}]/u.test(text ?? "");

/** The original English-only VADER, kept as a provider so a stage can keep its historical scores comparable. */
export function vaderSentiment(text: string): Sentiment {
  const { pos, neg, compound } = vader.SentimentIntensityAnalyzer.polarity_scores(text);
  const score = round2(compound);
  if (pos >= MIXED_SHARE && neg >= MIXED_SHARE) return { label: "mixed", score };
  if (compound >= POLARITY_THRESHOLD) return { label: "positive", score };
  if (compound <= -POLARITY_THRESHOLD) return { label: "negative", score };
  return { label: "neutral", score };
}

export const vaderAnalyzer: SentimentAnalyzer = {
  analyze: async (texts) => texts.map((text) => (hasWords(text) ? vaderSentiment(text) : null)),
};

// VADER's constants (Hutto & Gilbert 2014), which the rules below share.
const NEGATION_SCALAR = -0.74;
const CAPS_INCREMENT = 0.733;
const EXCLAMATION_INCREMENT = 0.292;
const MAX_EXCLAMATIONS = 4;
const NORMALIZATION_ALPHA = 15;
const LOOK_BACK = 3;
const DISTANCE_DAMPING = [1, 0.95, 0.9] as const;
/** VADER's weighting around "but": what precedes counts half, what follows one and a half. */
const BEFORE_CONTRAST = 0.5;
const AFTER_CONTRAST = 1.5;
/** A clause opened by "although" counts half. */
const CONCESSION_WEIGHT = 0.5;
/** An opener this short ("Great,", "Oh wonderful,") can be sarcasm. */
const SARCASTIC_OPENER_WORDS = 3;
/** Each side's valence, as a share of the stronger side, from which a comment is mixed. */
const MIXED_RATIO = 0.45;
const MIXED_MIN_VALENCE = 1;
const PREFIX_MIN_LENGTH = 3;

interface Token {
  word: string;
  caps: boolean;
  /** A clause (",", ";") or sentence boundary follows. */
  clauseEnd: boolean;
  sentenceEnd: boolean;
}

/** Emoticons are kept whole (":-(") so VADER's lexicon scores them; words are folded. */
function tokenize(text: string, rules: LanguageRules): { tokens: Token[]; exclamations: number } {
  const tokens: Token[] = [];
  let exclamations = 0;
  const parts =
    text.replace(/[’`´]/g, "'").match(/[^\s\p{L}\p{N}]{2,}|[\p{L}\p{N}]+(?:n't\b)?|[^\s\p{L}\p{N}]/gu) ?? [];
  for (const part of parts) {
    const folded = foldText(part).replace(/n't$/, "nt");
    if (/[\p{L}\p{N}]/u.test(part) || rules.valence.has(folded)) {
      tokens.push({
        word: folded,
        caps: part.length > 1 && part === part.toUpperCase() && /\p{Lu}/u.test(part),
        clauseEnd: false,
        sentenceEnd: false,
      });
      continue;
    }
    exclamations += (part.match(/!/g) ?? []).length;
    const last = tokens.at(-1);
    if (!last) continue;
    if (/[.!?]/.test(part)) last.sentenceEnd = last.clauseEnd = true;
    else if (/[,;:()]/.test(part)) last.clauseEnd = true;
  }
  return { tokens, exclamations };
}

const PHRASE_MAX_WORDS = 5;

/** The longest entry of `table` starting at `index`: a phrase, the word, or a prefix of it. */
function lookup(tokens: readonly Token[], index: number, table: ReadonlyMap<string, number>) {
  for (let length = Math.min(PHRASE_MAX_WORDS, tokens.length - index); length >= 2; length--) {
    const span = tokens.slice(index, index + length);
    if (span.slice(0, -1).some((token) => token.clauseEnd)) continue;
    const value = table.get(span.map((token) => token.word).join("_"));
    if (value !== undefined) return { value, length };
  }
  const word = (tokens[index] as Token).word;
  const exact = table.get(word);
  if (exact !== undefined) return { value: exact, length: 1 };
  for (let end = word.length; end >= PREFIX_MIN_LENGTH; end--) {
    const value = table.get(`${word.slice(0, end)}*`);
    if (value !== undefined) return { value, length: 1 };
  }
  return null;
}

const inSet = (tokens: readonly Token[], index: number, words: ReadonlySet<string>) => {
  const token = tokens[index] as Token;
  const next = tokens[index + 1];
  if (words.has(token.word)) return 1;
  return next && !token.clauseEnd && words.has(`${token.word}_${next.word}`) ? 2 : 0;
};

interface Scored {
  valence: number;
  index: number;
  negated: boolean;
  intensified: boolean;
}

/** Valence of each sentiment-bearing word or phrase, with intensity, caps and negation applied. */
function scoreWords(tokens: readonly Token[], rules: LanguageRules, allCaps: boolean): Scored[] {
  const scored: Scored[] = [];
  const clauseStart = (index: number) => {
    let start = index;
    while (start > 0 && !(tokens[start - 1] as Token).clauseEnd) start--;
    return start;
  };
  for (let index = 0; index < tokens.length; ) {
    const token = tokens[index] as Token;
    const here = lookup(tokens, index, rules.valence);
    const isNegation = rules.negations.has(token.word);
    const modifiesNext =
      rules.intensifiers.has(token.word) &&
      !token.clauseEnd &&
      index + 1 < tokens.length &&
      lookup(tokens, index + 1, rules.valence) !== null;
    // A negation or intensifier modifies the next word unless it opens a phrase of its own ("never again").
    const found = here && (here.length > 1 || !(isNegation || modifiesNext)) ? here : null;
    if (!found || found.value === 0) {
      index += 1;
      continue;
    }
    const span = tokens.slice(index, index + found.length);
    const sign = Math.sign(found.value);
    let valence = found.value;
    if (span.some((t) => t.caps) && !allCaps) valence += sign * CAPS_INCREMENT;
    const start = clauseStart(index);
    let negated = false;
    let intensified = false;
    for (let back = 1; back <= LOOK_BACK && index - back >= start; back++) {
      const before = (tokens[index - back] as Token).word;
      const boost = rules.intensifiers.get(before);
      if (boost !== undefined) {
        valence += sign * boost * (DISTANCE_DAMPING[back - 1] as number);
        intensified = true;
      }
      if (rules.negations.has(before)) negated = true;
    }
    // A phrase that carries its own negation ("pas terrible", "nie wieder") is not negated again.
    if (span.some((t) => rules.negations.has(t.word))) negated = false;
    else if (!negated) negated = negationAfter(tokens, index + found.length, rules);
    scored.push({ valence: negated ? valence * NEGATION_SCALAR : valence, index, negated, intensified });
    index += found.length;
  }
  return scored;
}

/** "funktioniert nicht": a negation right after the word, in its clause, that negates no later word. */
function negationAfter(tokens: readonly Token[], from: number, rules: LanguageRules): boolean {
  for (let index = from; index < Math.min(tokens.length, from + 2); index++) {
    if (rules.negationsAfter.has((tokens[index] as Token).word))
      return !(
        index + 1 < tokens.length &&
        !(tokens[index] as Token).clauseEnd &&
        lookup(tokens, index + 1, rules.valence)
      );
    if ((tokens[index] as Token).clauseEnd || lookup(tokens, index, rules.valence)) return false;
  }
  return false;
}

/** Contrast, concession and sarcasm weights, sentence by sentence. */
function weigh(tokens: readonly Token[], scored: Scored[], rules: LanguageRules): number[] {
  const weights = scored.map(() => 1);
  let sentenceStart = 0;
  for (let end = 0; end < tokens.length; end++) {
    if (!(tokens[end] as Token).sentenceEnd && end < tokens.length - 1) continue;
    const inSentence = (i: number) => i >= sentenceStart && i <= end;
    let contrastAt = -1;
    for (let i = sentenceStart; i <= end; i++) if (inSet(tokens, i, rules.contrasts)) contrastAt = i;
    for (let i = sentenceStart; i <= end; i++) {
      if (!inSet(tokens, i, rules.concessions)) continue;
      let clauseEnd = i;
      while (clauseEnd < end && !(tokens[clauseEnd] as Token).clauseEnd) clauseEnd++;
      scored.forEach((s, k) => {
        if (s.index > i && s.index <= clauseEnd) weights[k] = (weights[k] as number) * CONCESSION_WEIGHT;
      });
    }
    if (contrastAt >= 0)
      scored.forEach((s, k) => {
        if (inSentence(s.index))
          weights[k] = (weights[k] as number) * (s.index < contrastAt ? BEFORE_CONTRAST : AFTER_CONTRAST);
      });
    sarcasm(tokens, scored, weights, rules, sentenceStart, end);
    sentenceStart = end + 1;
  }
  return weights;
}

/** "Great, another update that logs me out": a short positive opener before a repetition or a complaint is reversed. */
function sarcasm(
  tokens: readonly Token[],
  scored: Scored[],
  weights: number[],
  rules: LanguageRules,
  start: number,
  end: number,
) {
  let openerEnd = start;
  while (openerEnd < end && !(tokens[openerEnd] as Token).clauseEnd) openerEnd++;
  if (openerEnd - start + 1 > SARCASTIC_OPENER_WORDS || openerEnd >= end) return;
  const opener = scored.map((s, k) => ({ s, k })).filter(({ s }) => s.index >= start && s.index <= openerEnd);
  const openerWords = openerEnd - start + 1;
  const onlySentiment = opener.length > 0 && opener.every(({ s }) => s.valence > 0);
  const interjections = [...Array(openerWords).keys()].filter((i) =>
    rules.interjections.has((tokens[start + i] as Token).word),
  );
  if (!onlySentiment || opener.length + interjections.length < openerWords) return;
  const rest = scored.filter((s) => s.index > openerEnd && s.index <= end);
  let repeated = false;
  for (let i = openerEnd + 1; i <= end; i++) if (inSet(tokens, i, rules.repetitions)) repeated = true;
  if (!repeated && !rest.some((s) => s.valence < 0)) return;
  for (const { k } of opener) weights[k] = -(weights[k] as number);
}

/** What the rules read in a text: its words, each scored word with its weight, and the totals. */
interface Reading {
  tokens: Token[];
  scored: Scored[];
  weights: number[];
  exclamations: number;
  /** The weighted valence sum with "!" emphasis, before normalisation. */
  total: number;
  /** Each side's valence as said, before "but" weighs them. */
  positive: number;
  negative: number;
}

function read(text: string, language: Language): Reading {
  const rules = rulesFor(language);
  const { tokens, exclamations } = tokenize(text, rules);
  const letters = text.replace(/[^\p{L}]/gu, "");
  const allCaps = letters === letters.toUpperCase();
  const scored = scoreWords(tokens, rules, allCaps);
  const weights = weigh(tokens, scored, rules);
  const valences = scored.map((s, k) => s.valence * (weights[k] as number));
  let total = valences.reduce((sum, v) => sum + v, 0);
  if (total !== 0) total += Math.sign(total) * Math.min(exclamations, MAX_EXCLAMATIONS) * EXCLAMATION_INCREMENT;
  const sides = scored.map((s, k) => s.valence * Math.sign(weights[k] as number));
  const positive = sides.filter((v) => v > 0).reduce((sum, v) => sum + v, 0);
  const negative = -sides.filter((v) => v < 0).reduce((sum, v) => sum + v, 0);
  return { tokens, scored, weights, exclamations, total, positive, negative };
}

const normalise = (total: number) => total / Math.sqrt(total * total + NORMALIZATION_ALPHA);

/** Names of the numbers `lexiconFeatures` returns, in order. */
export const LEXICON_FEATURES = [
  "compound",
  "total",
  "positive",
  "negative",
  "positiveWords",
  "negativeWords",
  "negated",
  "intensified",
  "contrasted",
  "exclamations",
  "logWords",
] as const;

function features(reading: Reading, rules: LanguageRules): { values: number[]; words: string[] } {
  const { tokens, scored, weights, exclamations, total } = reading;
  const weighted = scored.map((s, k) => s.valence * (weights[k] as number));
  const values = [
    normalise(total),
    total,
    weighted.filter((v) => v > 0).reduce((sum, v) => sum + v, 0),
    -weighted.filter((v) => v < 0).reduce((sum, v) => sum + v, 0),
    weighted.filter((v) => v > 0).length,
    weighted.filter((v) => v < 0).length,
    scored.filter((s) => s.negated).length,
    scored.filter((s) => s.intensified).length,
    weights.filter((w) => Math.abs(w) !== 1).length,
    Math.min(exclamations, MAX_EXCLAMATIONS),
    Math.log1p(tokens.length),
  ];
  const words: string[] = [];
  let negatedScope = false;
  for (const token of tokens) {
    words.push(negatedScope ? `!${token.word}` : token.word);
    if (rules.negations.has(token.word)) negatedScope = true;
    if (token.clauseEnd) negatedScope = false;
  }
  return { values, words };
}

/**
 * The rules' reading of a text as numbers, for the model fitted to human ratings (core/sentiment-model.ts):
 * the compound score, the raw and per-side valence, and how many words were negated, intensified or
 * weighed by a contrast. `words` are the folded tokens, each marked "!" inside a negation's scope.
 */
export const lexiconFeatures = (text: string, language: Language) => features(read(text, language), rulesFor(language));

const english = rulesFor("en");
/** English only: the human-rated data that fits it is English (bench/RESULTS.md, "Sentiment"). */
const englishModel = createModel(modelWeights, (word) => english.valence.has(word));
/** The model predicts on the raters' −4..+4 scale. */
const RATING_RANGE = 4;

/**
 * Negation-, contrast-, intensifier- and sarcasm-aware lexicon sentiment in the given language; in English the
 * score is the fitted model's, which generalised better across domains than the rules' compound alone.
 */
export function lexiconSentiment(text: string, language: Language): Sentiment | null {
  if (!hasWords(text)) return null;
  const reading = read(text, language);
  const { total, positive, negative } = reading;
  const { values, words } = language === "en" ? features(reading, english) : { values: [], words: [] };
  const raw = language === "en" ? englishModel(values, words) / RATING_RANGE : normalise(total);
  const score = round2(Math.max(-1, Math.min(1, raw)));
  // Both sides as said, before "but" weighs them: "Lovely staff, but the checkout was horrible" is mixed.
  const weaker = Math.min(positive, negative);
  if (weaker >= MIXED_MIN_VALENCE && weaker >= MIXED_RATIO * Math.max(positive, negative))
    return { label: "mixed", score };
  if (score >= POLARITY_THRESHOLD) return { label: "positive", score };
  if (score <= -POLARITY_THRESHOLD) return { label: "negative", score };
  return { label: "neutral", score };
}

/** The offline default: each text in the locale's language when given and supported, else in the one detected. */
export const lexiconAnalyzer: SentimentAnalyzer = {
  analyze: async (texts, locale) => texts.map((text) => lexiconSentiment(text, resolveLanguage(text, locale))),
};
