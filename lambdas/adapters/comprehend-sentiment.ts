import { BatchDetectSentimentCommand, type ComprehendClient, type LanguageCode } from "@aws-sdk/client-comprehend";
import type { Sentiment } from "../contracts/record";
import { hasWords, type SentimentAnalyzer } from "../core/sentiment";

/** Languages Comprehend's sentiment API accepts; anything else is analysed as English. */
const SUPPORTED = new Set(["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"]);
/** Comprehend accepts at most 25 documents per batch call. */
const BATCH = 25;

export class ComprehendSentiment implements SentimentAnalyzer {
  constructor(private readonly client: ComprehendClient) {}

  async analyze(texts: readonly string[], locale?: string): Promise<(Sentiment | null)[]> {
    const language = locale && SUPPORTED.has(locale) ? locale : (locale?.split("-")[0] ?? "en");
    const code = (SUPPORTED.has(language) ? language : "en") as LanguageCode;
    // Comprehend refuses an empty document; a text without words has no sentiment anyway.
    const analysable = texts.filter(hasWords);
    const results: Sentiment[] = [];
    for (let start = 0; start < analysable.length; start += BATCH) {
      const chunk = analysable.slice(start, start + BATCH);
      const output = await this.client.send(new BatchDetectSentimentCommand({ TextList: chunk, LanguageCode: code }));
      if (output.ErrorList?.length) throw new Error(`Comprehend failed on ${output.ErrorList.length} documents`);
      const byIndex = new Map((output.ResultList ?? []).map((item) => [item.Index, item]));
      chunk.forEach((_, offset) => {
        const item = byIndex.get(offset);
        const scores = item?.SentimentScore;
        const score = Math.round(((scores?.Positive ?? 0) - (scores?.Negative ?? 0)) * 100) / 100;
        const label = (item?.Sentiment ?? "NEUTRAL").toLowerCase() as Sentiment["label"];
        results.push({ label, score });
      });
    }
    let next = 0;
    return texts.map((text) => (hasWords(text) ? (results[next++] as Sentiment) : null));
  }
}
