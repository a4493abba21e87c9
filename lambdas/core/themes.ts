/**
 * Theme detection from a keyword taxonomy. Keywords match whole words at the start (so "deliver"
 * matches "delivered" and "delivery" but not "undelivered"), case- and accent-insensitively. A theme's
 * keywords are one list matched in every language (a stage's own taxonomy may be that) or lists per
 * language matched in the comment's language.
 */
import type { ThemeTaxonomy } from "../contracts/runtime-env";
import { foldText, type Language } from "./language";

export type { ThemeTaxonomy };

/** Keywords of the default themes per language, written for this project. */
export const DEFAULT_THEMES = {
  price: {
    en: ["price", "pricing", "expensive", "cheap", "cost", "overpriced", "value for money", "afford"],
    de: ["preis", "teuer", "billig", "kosten", "günstig", "preis-leistung", "überteuert"],
    fr: ["prix", "cher", "chère", "coût", "tarif", "rapport qualité"],
    es: ["precio", "caro", "cara", "barato", "coste", "costo", "tarifa"],
    pt: ["preço", "caro", "cara", "barato", "custo", "valor"],
    it: ["prezz", "caro", "cara", "cari", "economico", "costo", "costa"],
    nl: ["prijs", "prijzen", "te duur", "prijzig", "goedkoop", "kosten"],
  },
  delivery: {
    en: ["deliver", "shipping", "shipped", "courier", "parcel", "package", "arrived", "late", "dispatch"],
    de: ["liefer", "versand", "versendet", "paket", "zusteller", "kurier", "verspät", "spät", "sendung"],
    fr: ["livr", "expédi", "colis", "livreur", "transporteur", "retard", "envoi"],
    es: ["entreg", "envío", "envio", "paquete", "mensajer", "retraso", "pedido llegó", "llegó"],
    pt: ["entreg", "envio", "encomenda", "pacote", "transportadora", "atras", "chegou"],
    it: ["consegn", "spedizion", "pacco", "corriere", "ritardo", "arrivat"],
    nl: ["lever", "verzend", "verzonden", "pakket", "bezorg", "koerier", "te laat"],
  },
  support: {
    en: [
      "support",
      "customer service",
      "help desk",
      "helpdesk",
      "agent",
      "ticket",
      "replied",
      "response time",
      "answer",
    ],
    de: [
      "support",
      "kundenservice",
      "kundendienst",
      "hotline",
      "service-team",
      "antwort",
      "beratung",
      "mitarbeiterin am telefon",
    ],
    fr: ["support", "service client", "sav", "conseiller", "réponse", "assistance", "hotline"],
    es: ["soporte", "atención al cliente", "servicio al cliente", "agente", "respuesta", "asesor"],
    pt: ["suporte", "atendimento", "atendente", "sac", "resposta", "central"],
    it: ["assistenza", "servizio clienti", "operatore", "supporto", "risposta", "consulenza"],
    nl: ["support", "klantenservice", "helpdesk", "medewerker", "antwoord", "advies"],
  },
  "product quality": {
    en: ["quality", "broken", "defect", "faulty", "durable", "flimsy", "damaged", "works great", "stopped working"],
    de: ["qualität", "kaputt", "defekt", "beschädigt", "verarbeitung", "hochwertig", "zerkratzt"],
    fr: ["qualité", "cassé", "défectueu", "abîmé", "endommagé", "panne", "rayé"],
    es: ["calidad", "roto", "rompió", "defectuos", "dañad", "dejó de funcionar"],
    pt: ["qualidade", "quebr", "defeito", "danificad", "parou de funcionar", "riscad"],
    it: ["qualità", "rott", "difettos", "danneggiat", "smesso di funzionare", "graffiat"],
    nl: ["kwaliteit", "kapot", "defect", "beschadigd", "gebroken", "bekrast"],
  },
  usability: {
    en: [
      "easy to use",
      "intuitive",
      "confusing",
      "complicated",
      "user friendly",
      "navigation",
      "interface",
      "ui",
      "ux",
    ],
    de: ["bedien", "übersichtlich", "intuitiv", "kompliziert", "umständlich", "oberfläche", "benutzerfreundlich"],
    fr: ["facile à utiliser", "intuiti", "compliqué", "interface", "ergonomi", "navigation"],
    es: ["fácil de usar", "intuitiv", "complicad", "interfaz", "navegación"],
    pt: ["fácil de usar", "intuitiv", "complicad", "interface", "navegação"],
    it: ["facile da usare", "intuitiv", "complicat", "interfaccia", "navigazione"],
    nl: ["makkelijk te gebruiken", "gebruiksvriendelijk", "intuïtief", "ingewikkeld", "interface", "overzichtelijk"],
  },
  staff: {
    en: ["staff", "employee", "cashier", "friendly", "rude", "polite", "helpful", "waiter", "team"],
    de: ["personal", "mitarbeiter", "freundlich", "unfreundlich", "hilfsbereit", "team", "verkäufer"],
    fr: ["personnel", "employé", "aimable", "impoli", "sympathique", "équipe", "vendeu"],
    es: ["personal", "empleado", "amable", "grosero", "grosera", "equipo", "dependient"],
    pt: ["equipe", "funcionári", "simpátic", "grosseir", "atencios", "vendedor"],
    it: ["personale", "dipendent", "gentil", "scortes", "cordial", "commess"],
    nl: ["personeel", "medewerker", "vriendelijk", "onbeleefd", "behulpzaam", "team"],
  },
  billing: {
    en: ["bill", "invoice", "charge", "refund", "payment", "overcharged", "subscription", "credit card"],
    de: ["rechnung", "abbuch", "abgebucht", "rückerstattung", "zahlung", "abo", "kreditkarte", "erstattet"],
    fr: ["facture", "débit", "remboursement", "paiement", "abonnement", "carte bancaire"],
    es: ["factura", "cobr", "reembolso", "devuelto el dinero", "pago", "suscripción", "tarjeta"],
    pt: ["fatura", "cobr", "reembolso", "pagamento", "assinatura", "cartão"],
    it: ["fattura", "addebit", "rimborso", "pagamento", "abbonamento", "carta"],
    nl: ["factuur", "afgeschreven", "terugbetaling", "geld terug", "betaling", "abonnement", "creditcard"],
  },
  checkout: {
    en: ["checkout", "cart", "basket", "coupon", "promo code"],
    de: ["checkout", "warenkorb", "kasse", "gutschein", "rabattcode"],
    fr: ["panier", "paiement en ligne", "code promo", "bon de réduction", "valider mon panier"],
    es: ["carrito", "finalizar la compra", "cupón", "código promocional"],
    pt: ["carrinho", "finalizar a compra", "cupom", "código promocional"],
    it: ["carrello", "completare l'ordine", "coupon", "codice sconto"],
    nl: ["winkelwagen", "afrekenen", "kortingscode", "checkout"],
  },
  performance: {
    en: ["slow", "fast", "speed", "crash", "lag", "loading", "bug", "error", "downtime", "outage"],
    de: ["langsam", "stürzt", "absturz", "abgestürzt", "lädt", "ladezeit", "fehler", "bug", "ruckelt"],
    fr: ["lent", "plante", "bug", "ralenti", "chargement", "erreur", "panne"],
    es: ["lent", "se cierra", "se bloquea", "error", "carga", "fallo"],
    pt: ["lent", "trava", "travou", "erro", "carregamento", "bug"],
    it: ["lent", "si blocca", "rallent", "errore", "caricamento", "crash"],
    nl: ["traag", "trager", "crasht", "foutmelding", "laadt", "storing"],
  },
  returns: {
    en: ["return", "exchange", "replacement", "warranty"],
    de: ["rücksend", "retour", "umtausch", "ersatz", "garantie", "reklamation"],
    fr: ["retour", "échange", "remplacement", "garantie"],
    es: ["devolución", "devolver", "cambio", "reemplazo", "garantía"],
    pt: ["devolução", "devolver", "troca", "substituição", "garantia"],
    it: ["reso", "restitu", "cambio", "sostituzione", "garanzia"],
    nl: ["retour", "terugsturen", "ruil", "vervanging", "garantie"],
  },
  communication: {
    en: ["email", "notification", "update", "informed", "communication", "spam", "newsletter"],
    de: ["e-mail", "mail", "benachrichtigung", "informiert", "kommunikation", "newsletter"],
    fr: ["e-mail", "mail", "notification", "prévenu", "informé", "communication", "newsletter"],
    es: ["correo", "notificación", "avisó", "informad", "comunicación", "newsletter"],
    pt: ["e-mail", "email", "notificação", "avisou", "informad", "comunicação"],
    it: ["email", "notifica", "avvisato", "informat", "comunicazione", "newsletter"],
    nl: ["e-mail", "mail", "melding", "laten weten", "geïnformeerd", "communicatie", "nieuwsbrief"],
  },
} satisfies Record<string, Record<Language, string[]>>;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Themes found in a comment; with its language, keywords of other languages are not looked for. */
export type ThemeMatcher = (text: string, language?: Language) => string[];

const keywordPattern = (keywords: readonly string[]) =>
  new RegExp(`(?<![\\p{L}\\p{N}])(?:${keywords.map((k) => escapeRegExp(foldText(k))).join("|")})`, "u");

export function createThemeMatcher(taxonomy: ThemeTaxonomy = DEFAULT_THEMES): ThemeMatcher {
  const compiled = Object.entries(taxonomy).map(([theme, keywords]) => {
    if (Array.isArray(keywords)) {
      const everywhere = keywordPattern(keywords);
      return { theme, patternFor: () => everywhere };
    }
    const byLanguage = new Map(Object.entries(keywords).map(([language, list]) => [language, keywordPattern(list)]));
    const anyLanguage = keywordPattern(Object.values(keywords).flat());
    return { theme, patternFor: (language?: Language) => (language ? byLanguage.get(language) : anyLanguage) };
  });
  return (text, language) => {
    const folded = foldText(text);
    return compiled.filter(({ patternFor }) => patternFor(language)?.test(folded)).map(({ theme }) => theme);
  };
}
