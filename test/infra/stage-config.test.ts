import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_RETENTION_DAYS, DEFAULT_STAGE, loadStageConfig } from "../../lib/config";

const validKey = { name: "web-form", sha256: "0123456789abcdef".repeat(4), scopes: ["submit"] };

describe("loadStageConfig", () => {
  it("names the path of every bad field, under stages.<stage>", () => {
    const load = () =>
      loadStageConfig("dev", {
        dev: {
          apiKeys: [validKey, { name: "bad", sha256: "ABCDEF".repeat(10).padEnd(64, "0"), scopes: ["submit"] }],
          alerts: { emails: ["not-an-address"] },
          maxReceiveCount: 0,
          logging: { level: "VERBOSE", debugSampleRate: 2 },
        },
      });
    expect(load).toThrow("invalid config for stage 'dev'");
    expect(load).toThrow("stages.dev.apiKeys.1.sha256: must be the lowercase hex SHA-256 of the key");
    expect(load).toThrow(/stages\.dev\.alerts\.emails\.0: /);
    expect(load).toThrow(/stages\.dev\.maxReceiveCount: /);
    expect(load).toThrow(/stages\.dev\.logging\.level: /);
    expect(load).toThrow(/stages\.dev\.logging\.debugSampleRate: /);
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
      sentimentProvider: "lexicon",
      eventBusName: "cxloop",
      maxReceiveCount: 5,
      enrichmentBatchSize: 10,
      logging: { level: "WARN", debugSampleRate: 0.01 },
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

describe("erasure promise", () => {
  it("defaults to 30 days, with an event archive that keeps events no longer", () => {
    expect(loadStageConfig("dev", { dev: {} })).toMatchObject({
      erasurePromiseDays: 30,
      eventArchiveRetentionDays: 30,
    });
    expect(loadStageConfig("dev", { dev: { erasurePromiseDays: 90, eventArchiveRetentionDays: 90 } })).toMatchObject({
      erasurePromiseDays: 90,
      eventArchiveRetentionDays: 90,
    });
  });

  it("refuses an event archive kept longer than the promise, or forever, naming the field", () => {
    for (const eventArchiveRetentionDays of [0, 31, 365])
      expect(() => loadStageConfig("dev", { dev: { eventArchiveRetentionDays } })).toThrow(
        "stages.dev.eventArchiveRetentionDays: must be 1-30 when erasurePromiseDays is 30: an erasure cannot remove archived events",
      );
    expect(() => loadStageConfig("dev", { dev: { erasurePromiseDays: 60, eventArchiveRetentionDays: 61 } })).toThrow(
      "stages.dev.eventArchiveRetentionDays: must be 1-60 when erasurePromiseDays is 60",
    );
  });

  it("refuses a promise shorter than the dead-letter queues keep a submission, naming the field", () => {
    expect(DEAD_LETTER_RETENTION_DAYS).toBe(14);
    expect(() => loadStageConfig("dev", { dev: { erasurePromiseDays: 7, eventArchiveRetentionDays: 7 } })).toThrow(
      "stages.dev.erasurePromiseDays: must be at least 14: dead-letter queues keep a failed submission",
    );
    expect(loadStageConfig("dev", { dev: { erasurePromiseDays: 14, eventArchiveRetentionDays: 14 } })).toMatchObject({
      erasurePromiseDays: 14,
    });
  });
});

describe("console", () => {
  it("defaults to no first admin, no extra return URLs and no threat protection, with a derived sign-in domain", () => {
    expect(loadStageConfig("dev", { dev: {} }).console).toEqual({ extraCallbackUrls: [], threatProtection: false });
  });

  it("takes a domain prefix only as Cognito would, naming the field", () => {
    const load = (domainPrefix: string) => loadStageConfig("dev", { dev: { console: { domainPrefix } } });
    for (const bad of [
      "",
      "Cxloop",
      "-cxloop",
      "cxloop-",
      "cx_loop",
      "a".repeat(64),
      "my-aws-console",
      "amazon",
      "cxcognito",
    ])
      expect(() => load(bad), bad).toThrow("stages.dev.console.domainPrefix");
    for (const good of ["a", "0cx", "cxloop-prod-eu", "a".repeat(63)])
      expect(load(good).console.domainPrefix).toBe(good);
  });

  it("takes only https:// return URLs and an email address as the first admin", () => {
    expect(() =>
      loadStageConfig("dev", { dev: { console: { extraCallbackUrls: ["http://cx.example.com/"] } } }),
    ).toThrow("stages.dev.console.extraCallbackUrls.0: must be an https:// URL");
    expect(() => loadStageConfig("dev", { dev: { console: { firstAdminEmail: "ada" } } })).toThrow(
      "stages.dev.console.firstAdminEmail",
    );
    expect(
      loadStageConfig("dev", {
        dev: { console: { firstAdminEmail: "ada@example.com", extraCallbackUrls: ["https://cx.example.com/"] } },
      }).console,
    ).toMatchObject({ firstAdminEmail: "ada@example.com", extraCallbackUrls: ["https://cx.example.com/"] });
  });
});
