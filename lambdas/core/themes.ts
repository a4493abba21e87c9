/**
 * Theme detection from a keyword taxonomy. Keywords match whole words at the
 * start (so "deliver" matches "delivered" and "delivery" but not "undelivered").
 */
import type { ThemeTaxonomy } from "../contracts/runtime-env";

export type { ThemeTaxonomy };

export const DEFAULT_THEMES: ThemeTaxonomy = {
  price: ["price", "pricing", "expensive", "cheap", "cost", "overpriced", "value for money", "afford"],
  delivery: ["deliver", "shipping", "shipped", "courier", "parcel", "package", "arrived", "late", "dispatch"],
  support: [
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
  "product quality": [
    "quality",
    "broken",
    "defect",
    "faulty",
    "durable",
    "flimsy",
    "damaged",
    "works great",
    "stopped working",
  ],
  usability: [
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
  staff: ["staff", "employee", "cashier", "friendly", "rude", "polite", "helpful", "waiter", "team"],
  billing: ["bill", "invoice", "charge", "refund", "payment", "overcharged", "subscription", "credit card"],
  checkout: ["checkout", "cart", "basket", "coupon", "promo code"],
  performance: ["slow", "fast", "speed", "crash", "lag", "loading", "bug", "error", "downtime", "outage"],
  returns: ["return", "exchange", "replacement", "warranty"],
  communication: ["email", "notification", "update", "informed", "communication", "spam", "newsletter"],
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export type ThemeMatcher = (text: string) => string[];

export function createThemeMatcher(taxonomy: ThemeTaxonomy = DEFAULT_THEMES): ThemeMatcher {
  const compiled = Object.entries(taxonomy).map(([theme, keywords]) => ({
    theme,
    pattern: new RegExp(`(?<![\\p{L}\\p{N}])(?:${keywords.map((k) => escapeRegExp(k.toLowerCase())).join("|")})`, "u"),
  }));
  return (text) => {
    const lower = text.toLowerCase();
    return compiled.filter(({ pattern }) => pattern.test(lower)).map(({ theme }) => theme);
  };
}
