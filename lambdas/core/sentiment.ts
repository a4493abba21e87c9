import vader from "vader-sentiment";
import type { Sentiment } from "../contracts/record";

/** Port for sentiment analysis: local lexicon by default, Amazon Comprehend on AWS by configuration. */
export interface SentimentAnalyzer {
  analyze(texts: readonly string[], locale?: string): Promise<Sentiment[]>;
}

/** VADER's documented thresholds on the compound score. */
const POLARITY_THRESHOLD = 0.05;
/** Both sides this strong make a comment mixed ("love the staff but the checkout was horrible"). */
const MIXED_SHARE = 0.2;

const round2 = (n: number) => Math.round(n * 100) / 100;

export function vaderSentiment(text: string): Sentiment {
  const { pos, neg, compound } = vader.SentimentIntensityAnalyzer.polarity_scores(text);
  const score = round2(compound);
  if (pos >= MIXED_SHARE && neg >= MIXED_SHARE) return { label: "mixed", score };
  if (compound >= POLARITY_THRESHOLD) return { label: "positive", score };
  if (compound <= -POLARITY_THRESHOLD) return { label: "negative", score };
  return { label: "neutral", score };
}

export const vaderAnalyzer: SentimentAnalyzer = {
  analyze: async (texts) => texts.map(vaderSentiment),
};
