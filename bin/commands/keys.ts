import { scopes } from "../../lambdas/contracts/auth";
import type { KeySummary } from "../../lambdas/contracts/keys";

interface Target {
  endpoint: string;
  key: string;
}

async function call(target: Target, method: string, path: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(`${target.endpoint}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await answer.json()) as { error?: { message: string; details: { path: string; message: string }[] } };
  if (!answer.ok) {
    const details = (parsed.error?.details ?? []).map((detail) => `\n  ${detail.path}: ${detail.message}`).join("");
    throw new Error(`${method} ${path} answered ${answer.status}: ${parsed.error?.message ?? "no reason"}${details}`);
  }
  return parsed;
}

/** `--scopes submit,read` or `--scopes submit --scopes read`. */
export const scopeList = (values: readonly string[]) =>
  values
    .flatMap((value) => value.split(","))
    .map((scope) => scope.trim())
    .filter(Boolean);

export async function createKey(
  target: Target,
  input: { name: string; scopes: string[]; allowedOrigins: string[] },
): Promise<KeySummary & { key: string }> {
  const unknown = input.scopes.filter((scope) => !(scopes as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new Error(`unknown scope ${unknown.join(", ")}: use ${scopes.join(", ")}`);
  return (await call(target, "POST", "/v1/keys", input)) as KeySummary & { key: string };
}

export const listKeys = async (target: Target) =>
  ((await call(target, "GET", "/v1/keys")) as { items: KeySummary[] }).items;

export const revokeKey = (target: Target, id: string) => call(target, "DELETE", `/v1/keys/${encodeURIComponent(id)}`);

/** One line per key, for people: name, scopes, origins, last use. */
export function keyTable(keys: readonly KeySummary[]): string {
  const rows = keys.map((key) => [
    key.id ?? "(stage config)",
    key.name,
    key.scopes.join(","),
    key.allowedOrigins.join(",") || "-",
    key.lastUsedAt ?? (key.source === "stage" ? "-" : "never"),
  ]);
  const header = ["ID", "NAME", "SCOPES", "ORIGINS", "LAST USED"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
