import type { ErrorBody } from "./api-types";
import { dropToken, readToken } from "./session";

type ErrorDetail = ErrorBody["error"]["details"][number];

/** An answer outside 2xx, with the API's own code, message and the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
  }
}

const isErrorBody = (body: unknown): body is ErrorBody =>
  typeof body === "object" &&
  body !== null &&
  "error" in body &&
  typeof body.error === "object" &&
  body.error !== null &&
  "message" in body.error &&
  typeof body.error.message === "string";

async function errorOf(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (!isErrorBody(body)) return new ApiError(response.status, "http_error", `the API answered ${response.status}`);
  const details = Array.isArray(body.error.details) ? body.error.details : [];
  return new ApiError(response.status, String(body.error.code), body.error.message, details);
}

interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls the API on this origin as the signed-in person. A 401 signs them out: the token has expired or was revoked. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const token = readToken();
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 401) dropToken();
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/** `path?query`, leaving out parameters that are unset or empty. */
export function apiPath(path: string, query: Record<string, string | number | boolean | undefined | null> = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const encoded = search.toString();
  return encoded === "" ? path : `${path}?${encoded}`;
}

/** Saves a JSON answer as a file, without a page of its own (the API needs the Authorization header). */
export async function downloadJson(path: string, fileName: string) {
  const document = await apiRequest<unknown>(path);
  const url = URL.createObjectURL(new Blob([JSON.stringify(document, null, 2)], { type: "application/json" }));
  const link = Object.assign(window.document.createElement("a"), { href: url, download: fileName });
  link.click();
  // Revoked on the next task: the click has started the download by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
