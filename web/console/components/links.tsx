import { Link } from "wouter-preact";
import { formatDateTime, NONE } from "../format";

const casePath = (id: string) => `/cases/${encodeURIComponent(id)}`;
const customerPath = (id: string) => `/customers/${encodeURIComponent(id)}`;

/** `path` with the current query string, to carry a page's window or filters over to the next. */
export const withSearch = (path: string, search: string) => (search === "" ? path : `${path}?${search}`);

export const CaseLink = ({ id }: { id: string }) => <Link href={casePath(id)}>{id}</Link>;

export const CustomerLink = ({ id, name }: { id: string | null; name?: string | null }) =>
  id === null ? NONE : <Link href={customerPath(id)}>{name ?? id}</Link>;

/** An instant in the viewer's time zone, machine-readable too. */
export const Time = ({ at }: { at: string }) => <time dateTime={at}>{formatDateTime(at)}</time>;

/**
 * A route parameter as typed: the router decodes only what `decodeURI` does, so `%40` (an `@` in a
 * customer id) or `%2F` would stay encoded.
 */
export function decodeParam(value: string | undefined) {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    return value ?? "";
  }
}
