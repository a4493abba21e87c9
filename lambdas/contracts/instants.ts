import * as z from "zod";

/**
 * Times as every store can keep them: an offset may move a time across a year boundary
 * (`0000-01-01T00:00:00+00:01` is year -1 in UTC), and sort keys are four-digit ISO years.
 */
const inStorableYears = (value: string) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 1 && year <= 9999;
};
const YEARS = "must fall in the years 0001 to 9999 (UTC)";

export const instantSchema = z.iso.datetime({ offset: true }).refine(inStorableYears, YEARS);
export const daySchema = z.iso.date().refine(inStorableYears, YEARS);
/** A day (`2026-11-22`) or an instant. */
export const dayOrInstantSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .refine(inStorableYears, YEARS);
