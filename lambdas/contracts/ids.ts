import * as z from "zod";

/**
 * Identifiers as intake accepts them and every store keys by: short, printable, no `/` or `#`
 * (a key delimiter), so whatever is accepted can be read, listed and erased again.
 */
export const RESPONSE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const responseIdSchema = z
  .string()
  .regex(RESPONSE_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 . _ : -");

export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
export const customerIdSchema = z
  .string()
  .regex(CUSTOMER_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");

/** `case-<response id>` or `retention-<customer id>-<since>`. */
export const caseIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:@-]{1,200}$/, "must be 1-200 characters of A-Z a-z 0-9 . _ : @ -");
