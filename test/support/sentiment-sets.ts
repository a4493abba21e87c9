/** Readers and scores for the sentiment evaluation sets (test/fixtures/sentiment, README there). */
import { readFileSync } from "node:fs";
import type { Sentiment } from "../../lambdas/contracts/record";
import type { Language } from "../../lambdas/core/language";

export const FIXTURES = new URL("../fixtures/sentiment/", import.meta.url);

export interface RatedText {
  /** −4..+4; for a labelled set +1 positive, −1 negative, 0 neutral or mixed. */
  rating: number;
  label?: Sentiment["label"];
  text: string;
}

const LABEL_RATING: Record<Sentiment["label"], number> = { positive: 1, negative: -1, neutral: 0, mixed: 0 };

/** `label<TAB>text` with a header line: a hand-labelled set of one language. */
export function readLabelledSet(language: Language): RatedText[] {
  return readFileSync(new URL(`${language}.tsv`, FIXTURES), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [label, text] = line.split("\t") as [Sentiment["label"], string];
      return { label, rating: LABEL_RATING[label], text };
    });
}

/** `rating<TAB>text` (with a header) or VADER's `id<TAB>rating<TAB>text` (Latin-1, no header). */
export function parseRatedSet(content: string): RatedText[] {
  return content
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split("\t"))
    .filter((fields) => !Number.isNaN(Number(fields.at(-2))))
    .map((fields) => ({ rating: Number(fields.at(-2)), text: fields.at(-1) as string }));
}

export const readRatedFixture = (name: string, encoding: BufferEncoding = "utf8") =>
  parseRatedSet(readFileSync(new URL(name, FIXTURES), encoding));

export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / n;
  const [mx, my] = [mean(xs), mean(ys)];
  let [sxy, sxx, syy] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [dx, dy] = [(xs[i] as number) - mx, (ys[i] as number) - my];
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Share of the clearly rated texts (|rating| ≥ 1) whose score has the rating's sign (a zero score is wrong). */
export function signAccuracy(set: readonly RatedText[], scores: readonly number[]): number {
  const polar = set
    .map((item, i) => ({ rating: item.rating, score: scores[i] as number }))
    .filter((p) => Math.abs(p.rating) >= 1);
  return polar.filter((p) => Math.sign(p.score) === Math.sign(p.rating)).length / polar.length;
}
