import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localApi } from "../support/local-api";

const run = promisify(execFile);
/** Each CLI call starts Node.js and tsx: seconds apiece on a busy 2-core machine. */
const CLI_TEST_TIMEOUT_MS = 120_000;
const local = localApi("keys");
const ORIGIN = "https://shop.example";

beforeAll(() => local.start());
afterAll(async () => {
  await local.stop();
  local.removeData();
});

const cli = (...args: string[]) =>
  run(
    process.execPath,
    ["--import", "tsx", "bin/cli.ts", ...args, "--endpoint", local.runtime().url, "--key", local.apiKey],
    { cwd: join(import.meta.dirname, "../.."), env: { ...process.env, NO_COLOR: "1" } },
  );

const submit = (key: string, headers: Record<string, string>) =>
  fetch(`${local.runtime().url}/v1/responses`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ type: "nps", score: 10, survey: "e2e-keys" }),
  });

describe("npm run cxloop -- keys", () => {
  it(
    "creates a submit key for a web page's origin, lists it, and revokes it",
    async () => {
      const created = await cli("keys", "create", "--name", "shop form", "--scopes", "submit", "--origin", ORIGIN);
      const key = created.stdout.trim();
      expect(key).toMatch(/^cxk_/);
      expect(created.stderr).toMatch(/shown this once/);

      expect((await submit(key, { origin: ORIGIN })).status).toBe(202);
      expect((await submit(key, { origin: "https://evil.example" })).status).toBe(403);
      expect((await submit(key, {})).status).toBe(403);

      const listed = await cli("keys", "list");
      const row = listed.stdout.split("\n").find((line) => line.includes("shop form"));
      expect(row).toContain(ORIGIN);
      expect(row).not.toContain("never");
      const id = key.split("_")[1] as string;
      // The secret is everything after `cxk_<id>_`: it is base64url, so it may itself hold an underscore.
      const secret = key.slice(`cxk_${id}_`.length);
      expect(secret.length).toBeGreaterThan(20);
      expect(listed.stdout).not.toContain(secret);

      const revoked = await cli("keys", "revoke", id);
      expect(revoked.stderr).toContain(`revoked ${id}`);
      await expect(cli("keys", "revoke", id)).rejects.toMatchObject({ stderr: expect.stringMatching(/404/) });
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    "names the field when the request is wrong",
    async () => {
      await expect(cli("keys", "create", "--name", "x", "--scopes", "root")).rejects.toMatchObject({
        stderr: expect.stringMatching(/unknown scope root/),
      });
      await expect(
        cli("keys", "create", "--name", "x", "--scopes", "submit", "--origin", "https://a.example/path"),
      ).rejects.toMatchObject({ stderr: expect.stringMatching(/allowedOrigins\.0/) });
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
