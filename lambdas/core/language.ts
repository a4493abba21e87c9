/**
 * Which language a comment is written in, among those the offline text analytics support.
 * A `locale` given with the submission is trusted first; without one the language is detected.
 */
import { detect as detectByNgrams } from "tinyld/light";

export const SUPPORTED_LANGUAGES = ["en", "de", "fr", "es", "pt", "it", "nl"] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];

const isSupported = (code: string): code is Language => (SUPPORTED_LANGUAGES as readonly string[]).includes(code);

/** Folds case and diacritics so "Pésimo" and "pesimo" are one word to every lookup. */
export const foldText = (text: string) =>
  text.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").replace(/ß/g, "ss").replace(/[’`´]/g, "'");

export const words = (folded: string) => folded.match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * Frequent words that are rare in the other six languages. tinyld's n-grams alone misread short
 * comments ("Nie wieder!" as Dutch, "Pésimo servicio" as Italian, "Never again" as Dutch: see
 * bench/RESULTS.md), and eld, which reads them right, costs the enrich cold start 0.5-0.8 s to load.
 */
const MARKERS: Record<Language, string> = {
  en: "the and is was were it my i you not no never again with for this that very too but have had they would just love great terrible worst",
  de: "der die das und ist war nicht kein keine ich mich mir sehr aber auch wieder nie zu mit fur schon noch leider immer ganz super einfach",
  fr: "le la les et est etait pas tres mais je j mon ma des du une un avec pour plus jamais c ce n qu trop tout nul",
  es: "el los las es fue muy pero y yo mi me con por para nada nunca mas una pesimo servicio todo lo que del",
  pt: "o os as e foi muito mas eu meu minha com nao nunca mais uma um atendimento pessimo ate voce do da tudo",
  it: "il lo gli e era molto ma io mio mia con per non mai piu una un della del sono ho servizio pessimo tutto che",
  nl: "de het een en is was niet geen nooit meer heel erg maar ik mijn met voor ook al te zeer echt goed slecht",
};
const markerSets = Object.fromEntries(
  Object.entries(MARKERS).map(([language, list]) => [language, new Set(list.split(" "))]),
) as Record<Language, Set<string>>;

/** The language of a BCP 47 locale ("pt-BR" → "pt") when supported. */
export function languageOfLocale(locale: string | null | undefined): Language | null {
  const primary = locale?.split(/[-_]/)[0]?.toLowerCase() ?? "";
  return isSupported(primary) ? primary : null;
}

function byMarkers(tokens: readonly string[]): Language | null {
  const hits = SUPPORTED_LANGUAGES.map((language) => ({
    language,
    count: tokens.filter((token) => markerSets[language].has(token)).length,
  })).sort((a, b) => b.count - a.count);
  const [first, second] = hits as [(typeof hits)[number], (typeof hits)[number]];
  return first.count >= 1 && first.count > second.count ? first.language : null;
}

/**
 * The language of a comment: the locale's if supported, else what the text reads as (n-grams when
 * they are confident on a longer text, else the marker words), else English, the most common.
 */
export function resolveLanguage(text: string, locale?: string | null): Language {
  const given = languageOfLocale(locale);
  if (given) return given;
  const tokens = words(foldText(text));
  const detected = tokens.length >= 6 ? detectByNgrams(text, { only: [...SUPPORTED_LANGUAGES] }) : "";
  if (isSupported(detected)) return detected;
  return byMarkers(tokens) ?? "en";
}
