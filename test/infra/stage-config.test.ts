import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_STAGE, loadStageConfig } from "../../lib/config";

const validKey = { name: "web-form", sha256: "0123456789abcdef".repeat(4), scopes: ["submit"] };

describe("loadStageConfig", () => {
  it("names the path of every bad field, under stages.<stage>", () => {
    const load = () =>
      loadStageConfig("dev", {
        dev: {
          apiKeys: [validKey, { name: "bad", sha256: "ABCDEF".repeat(10).padEnd(64, "0"), scopes: ["submit"] }],
          alerts: { emails: ["not-an-address"] },
          maxReceiveCount: 0,
        },
      });
    expect(load).toThrow("invalid config for stage 'dev'");
    expect(load).toThrow("stages.dev.apiKeys.1.sha256: must be the lowercase hex SHA-256 of the key");
    expect(load).toThrow(/stages\.dev\.alerts\.emails\.0: /);
    expect(load).toThrow(/stages\.dev\.maxReceiveCount: /);
  });

  it("rejects a sha256 that is not 64 lowercase hex characters", () => {
    for (const sha256 of ["abc", "g".repeat(64), "A".repeat(64), "a".repeat(63), "a".repeat(65)])
      expect(() => loadStageConfig("dev", { dev: { apiKeys: [{ ...validKey, sha256 }] } })).toThrow(
        "stages.dev.apiKeys.0.sha256",
      );
  });

  it("rejects keys the schema does not know, naming them", () => {
    expect(() => loadStageConfig("dev", { dev: { allowedOrigin: ["https://shop.example.com"] } })).toThrow(
      /stages\.dev\b.*Unrecognized key: "allowedOrigin"/,
    );
  });

  it("rejects an unknown stage, listing the configured ones", () => {
    expect(() => loadStageConfig("prod", { dev: {}, staging: {} })).toThrow(
      "unknown stage 'prod': cdk.json context 'stages' has dev, staging",
    );
    expect(() => loadStageConfig("dev", undefined)).toThrow("unknown stage 'dev': cdk.json context 'stages' has none");
    expect(() => loadStageConfig("dev", ["dev"])).toThrow("cdk.json context 'stages' must be an object");
  });

  it("fills defaults for a minimal stage", () => {
    expect(loadStageConfig("dev", { dev: { apiKeys: [validKey] } })).toMatchObject({
      apiKeys: [validKey],
      allowedOrigins: [],
      sentimentProvider: "vader",
      eventBusName: "cxloop",
      maxReceiveCount: 5,
      enrichmentBatchSize: 10,
    });
  });

  it("accepts the stages committed in cdk.json", () => {
    const { context } = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
      context: { stage?: string; stages: Record<string, unknown> };
    };
    const stage = context.stage ?? DEFAULT_STAGE;
    expect(Object.keys(context.stages)).toContain(stage);
    for (const name of Object.keys(context.stages)) expect(() => loadStageConfig(name, context.stages)).not.toThrow();
  });
});
