import * as z from "zod";

/** Whether the runtime knows the IANA time zone (e.g. `Europe/Berlin`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone the runtime knows; callers add their own default. */
export const timeZoneSchema = z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin");
