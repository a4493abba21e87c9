import type * as z from "zod";
import type { ErrorDetail } from "../contracts/errors";

export type Result<T> = { ok: true; value: T } | { ok: false; details: ErrorDetail[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const invalid = (path: string, message: string): Result<never> => ({
  ok: false,
  details: [{ path, message }],
});

/** zod issues as `{path, message}` pairs; the root is reported as `body`. */
export function issuesToDetails(error: z.ZodError, prefix = ""): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const keys =
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => [...issue.path, key].join("."))
        : [issue.path.join(".")];
    const message = issue.code === "unrecognized_keys" ? "unknown field (not part of the contract)" : issue.message;
    return keys.map((path) => ({ path: joinPath(prefix, path) || "body", message }));
  });
}

const joinPath = (prefix: string, path: string) => [prefix, path].filter(Boolean).join(".");

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): Result<z.infer<S>> {
  const parsed = schema.safeParse(input);
  return parsed.success ? ok(parsed.data) : { ok: false, details: issuesToDetails(parsed.error, prefix) };
}
