import { describe, expect, it } from "vitest";
import { readEnv } from "../../lambdas/contracts/runtime-env";

describe("readEnv", () => {
  it("parses JSON variables and applies defaults", () => {
    const env = readEnv(["apiKeys", "sentimentProvider", "themes"], {
      API_KEYS: JSON.stringify([{ name: "k", sha256: "a".repeat(64), scopes: ["read"] }]),
    });
    expect(env).toEqual({
      apiKeys: [{ name: "k", sha256: "a".repeat(64), scopes: ["read"] }],
      sentimentProvider: "lexicon",
      themes: undefined,
    });
  });
  it("names every missing or malformed variable in one error", () => {
    expect(() => readEnv(["tableName", "queueUrl", "apiKeys"], { QUEUE_URL: "not a url", API_KEYS: "[{" })).toThrow(
      /TABLE_NAME.*QUEUE_URL.*API_KEYS: is not valid JSON/s,
    );
  });
});
