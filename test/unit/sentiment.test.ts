import { describe, expect, it } from "vitest";
import { resolveLanguage, SUPPORTED_LANGUAGES } from "../../lambdas/core/language";
import { lexiconAnalyzer, lexiconSentiment, vaderSentiment } from "../../lambdas/core/sentiment";
import { createThemeMatcher } from "../../lambdas/core/themes";
import { pearson, type RatedText, readLabelledSet, readRatedFixture, signAccuracy } from "../support/sentiment-sets";

/**
 * Thresholds sit below what was measured (bench/RESULTS.md, "Sentiment"): sign accuracy on the
 * polar sentences 0.90-0.98 per language, language detection 0.875-0.98 per language.
 */
const MIN_SIGN_ACCURACY = 0.85;
const MIN_DETECTION_ACCURACY = 0.83;

const scores = (set: readonly RatedText[], analyze: (text: string) => number) => set.map((item) => analyze(item.text));

describe("offline sentiment, per language (hand-labelled sets in test/fixtures/sentiment)", () => {
  it.each(SUPPORTED_LANGUAGES)("%s: the sign of positive and negative comments", (language) => {
    const set = readLabelledSet(language);
    expect(set.length).toBeGreaterThanOrEqual(50);
    const accuracy = signAccuracy(
      set,
      scores(set, (text) => lexiconSentiment(text, language)?.score ?? 0),
    );
    expect(accuracy).toBeGreaterThanOrEqual(MIN_SIGN_ACCURACY);
  });

  it.each(SUPPORTED_LANGUAGES)("%s: the language of a comment without a locale", (language) => {
    const set = readLabelledSet(language);
    const detected = set.filter((item) => resolveLanguage(item.text) === language).length / set.length;
    expect(detected).toBeGreaterThanOrEqual(MIN_DETECTION_ACCURACY);
  });
});

describe("offline sentiment, the failures of English-only VADER", () => {
  it.each([
    ["The agent hung up on me. Never again", undefined, "negative"],
    ["Great, another update that logs me out every five minutes.", undefined, "negative"],
    ["Das ist wirklich ein großartiger Shop, super Beratung und blitzschnelle Lieferung!", undefined, "positive"],
    ["Pésimo servicio", undefined, "negative"],
    ["Pésimo servicio", "es-MX", "negative"],
    ["Not bad at all, actually better than I expected.", "en", "positive"],
    ["Lovely staff, but the checkout was horrible", "en", "mixed"],
    ["I received the parcel on Tuesday.", "en", "neutral"],
  ] as const)("%s (locale %s) → %s", async (text, locale, label) => {
    const [sentiment] = await lexiconAnalyzer.analyze([text], locale);
    expect(sentiment?.label).toBe(label);
  });

  it("where VADER misses them", () => {
    expect(vaderSentiment("The agent hung up on me. Never again").label).toBe("neutral");
    expect(vaderSentiment("Pésimo servicio").label).toBe("neutral");
  });

  it("trusts a given locale over detection, and reads what follows 'but' as what counts", () => {
    expect(resolveLanguage("Super Lieferung, alles bestens", "pt-BR")).toBe("pt");
    expect(resolveLanguage("Super Lieferung, alles bestens", "ja")).toBe("de");
    const [positive] = [lexiconSentiment("The price is high, but the quality is excellent", "en")];
    const [negative] = [lexiconSentiment("The quality is excellent, but the price is outrageous", "en")];
    expect(positive?.score).toBeGreaterThan(0);
    expect(negative?.score).toBeLessThan(0);
  });

  it("gives no sentiment to a text without words", async () => {
    expect(await lexiconAnalyzer.analyze(["", "  ", "…!"])).toEqual([null, null, null]);
  });

  it("amplifies with intensifiers and flips with negation", () => {
    const plain = lexiconSentiment("The support was helpful", "en")?.score ?? 0;
    expect(lexiconSentiment("The support was extremely helpful", "en")?.score).toBeGreaterThan(plain);
    expect(lexiconSentiment("The support was not helpful", "en")?.score).toBeLessThan(0);
    expect(lexiconSentiment("Der Support war nicht hilfreich, die App funktioniert nicht", "de")?.score).toBeLessThan(
      0,
    );
  });
});

describe("offline sentiment against human ratings (samples of Hutto & Gilbert 2014, and en-reviews)", () => {
  // Measured on these samples: see bench/RESULTS.md; the floor leaves 0.03-0.05 of headroom.
  it.each([
    ["en-reviews.tsv", 0.7],
    ["human-rated/tweets.sample.txt", 0.8],
    ["human-rated/nytEditorialSnippets.sample.txt", 0.4],
    ["human-rated/movieReviewSnippets.sample.txt", 0.33],
  ] as const)("%s: Pearson r ≥ %s", (file, floor) => {
    const set = readRatedFixture(file, file.startsWith("human-rated") ? "latin1" : "utf8");
    const r = pearson(
      scores(set, (text) => lexiconSentiment(text, "en")?.score ?? 0),
      set.map((item) => item.rating),
    );
    expect(r).toBeGreaterThanOrEqual(floor);
  });
});

describe("themes in the comment's language", () => {
  const themes = createThemeMatcher();
  it.each([
    ["en", "The parcel arrived late and the refund took weeks", ["billing", "delivery"]],
    ["de", "Die Lieferung war spät und die Rückerstattung dauert ewig", ["billing", "delivery"]],
    ["fr", "Le colis est arrivé en retard et le remboursement traîne", ["billing", "delivery"]],
    ["es", "El envío llegó tarde y el reembolso no llega", ["billing", "delivery"]],
    ["pt", "A entrega atrasou e o reembolso não chegou", ["billing", "delivery"]],
    ["it", "La consegna è in ritardo e il rimborso non arriva", ["billing", "delivery"]],
    ["nl", "Het pakket kwam te laat en de terugbetaling duurt lang", ["billing", "delivery"]],
  ] as const)("%s: %s", (language, text, expected) => {
    expect(themes(text, language).sort()).toEqual(expected);
  });

  it("keeps whole-word-prefix matching, and a stage's plain keyword list matches in every language", () => {
    expect(themes("Die Lieferzeit war kurz", "de")).toEqual(["delivery"]);
    expect(themes("Die Auslieferung war kurz", "de")).toEqual([]);
    const custom = createThemeMatcher({ onboarding: ["onboarding", "setup"] });
    expect(custom("Das Onboarding war chaotisch", "de")).toEqual(["onboarding"]);
  });

  it("looks for one language's keywords only when the language is known", () => {
    expect(themes("Il prezzo è alto", "it")).toEqual(["price"]);
    expect(themes("Il prezzo è alto", "en")).toEqual([]);
    expect(themes("Il prezzo è alto")).toEqual(["price"]);
  });
});
