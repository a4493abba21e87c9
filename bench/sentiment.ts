import { existsSync, readFileSync } from "node:fs";
import Afinn from "sentiment";
import model from "wink-eng-lite-web-model";
import winkNLP from "wink-nlp";
import { SUPPORTED_LANGUAGES } from "../lambdas/core/language";
import { lexiconFeatures, lexiconSentiment, vaderSentiment } from "../lambdas/core/sentiment";
import {
  parseRatedSet,
  pearson,
  type RatedText,
  readLabelledSet,
  readRatedFixture,
  signAccuracy,
} from "../test/support/sentiment-sets";
import { leaveOneDomainOut, readLabelledSentences } from "./sentiment-train";

/** The three human-rated sets of Hutto & Gilbert 2014, read where the shared data lives (not shipped). */
const SHARED = new URL("../../shared/data/sentiment/", import.meta.url);
const HUMAN_RATED = ["movieReviewSnippets", "nytEditorialSnippets", "tweets"];

const afinn = new Afinn();
const wink = winkNLP(model);
const analyzers: Record<string, (text: string) => number> = {
  // Trained on the three human-rated sets and amazon_cells: in-sample there, so see the leave-one-domain-out table.
  cxloop: (text) => lexiconSentiment(text, "en")?.score ?? 0,
  "cxloop rules": (text) => lexiconFeatures(text, "en").values[0] as number,
  "vader-sentiment": (text) => vaderSentiment(text).score,
  "AFINN (sentiment)": (text) => afinn.analyze(text).comparative,
  "wink-nlp": (text) => wink.readDoc(text).out(wink.its.sentiment) as number,
};

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function sentimentBench(log: (line: string) => void) {
  const english: [string, RatedText[]][] = [
    ["en-reviews (project, hand-rated)", readRatedFixture("en-reviews.tsv")],
    ["amazon_cells (Kotzias 2015, positive/negative)", readLabelledSentences("amazon_cells")],
  ];
  for (const name of HUMAN_RATED) {
    const file = new URL(`${name}_GroundTruth.txt`, SHARED);
    if (existsSync(file)) english.push([name, parseRatedSet(readFileSync(file, "latin1"))]);
    else log(`${name}: not found under ../shared/data/sentiment, skipped`);
  }
  console.log("\nSentiment vs human ratings (English): Pearson r / sign accuracy where |rating| ≥ 1");
  console.table(
    english.map(([name, set]) => ({
      set: name,
      texts: set.length,
      ...Object.fromEntries(
        Object.entries(analyzers).map(([analyzer, score]) => {
          const scores = set.map((item) => score(item.text));
          return [
            analyzer,
            `${round3(
              pearson(
                scores,
                set.map((item) => item.rating),
              ),
            )} / ${round3(signAccuracy(set, scores))}`,
          ];
        }),
      ),
    })),
  );
  console.log(
    "\nHand-labelled feedback per language (cxloop, language given): sign accuracy on polar, label accuracy on all",
  );
  console.table(
    SUPPORTED_LANGUAGES.map((language) => {
      const set = readLabelledSet(language);
      const results = set.map((item) => lexiconSentiment(item.text, language));
      return {
        language,
        texts: set.length,
        "sign accuracy": round3(
          signAccuracy(
            set,
            results.map((r) => r?.score ?? 0),
          ),
        ),
        "label accuracy": round3(results.filter((r, i) => r?.label === set[i]?.label).length / set.length),
        "vader sign accuracy": round3(
          signAccuracy(
            set,
            set.map((item) => vaderSentiment(item.text).score),
          ),
        ),
      };
    }),
  );
  leaveOneDomainOut(log);
  const texts = english.flatMap(([, set]) => set.map((item) => item.text)).slice(0, 3000);
  const throughput = (score: (text: string) => number) => {
    const started = performance.now();
    for (const text of texts) score(text);
    return texts.length / ((performance.now() - started) / 1000);
  };
  const [vaderOps, ours] = [throughput(analyzers["vader-sentiment"] as never), throughput(analyzers.cxloop as never)];
  console.log(
    `\nThroughput on ${texts.length} texts: cxloop ${Math.round(ours)}/s, vader ${Math.round(vaderOps)}/s, ratio ${round3(ours / vaderOps)}`,
  );
}
