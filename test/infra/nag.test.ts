import { readFileSync } from "node:fs";
import { App, type Environment, type PolicyViolation, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../lambdas/core/auth";
import { loadStageConfig, type StageConfig } from "../../lib/config";
import { CxloopStack } from "../../lib/cxloop-stack";
import { cdkJsonFeatureFlags } from "./synth";

const { stages } = (
  JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context: { stages: Record<string, unknown> };
  }
).context;

/**
 * The stages `cdk deploy` can deploy, the defaults, and a stage that turns on everything that adds resources or
 * grants: comment retention (the Privacy construct), alarm emails (SNS subscriptions), a case alert sender (SES),
 * Comprehend sentiment, keys and CORS, a first console admin and Cognito's threat protection. That one has a concrete account and region, as `cdk synth` with credentials
 * does, which puts them literally into some ARNs and so into the findings' ids.
 */
const VARIANTS: { name: string; config: () => StageConfig; env?: Environment }[] = [
  ...Object.keys(stages).map((stage) => ({
    name: `cdk.json stage ${stage}`,
    config: () => loadStageConfig(stage, stages),
  })),
  { name: "defaults", config: () => loadStageConfig("defaults", { defaults: {} }) },
  {
    name: "every optional resource",
    config: () =>
      loadStageConfig("full", {
        full: {
          apiKeys: [{ name: "web-form", sha256: hashApiKey("nag-test-key"), scopes: ["submit"] }],
          allowedOrigins: ["https://shop.example.com"],
          alerts: { emails: ["oncall@example.com"], emailFrom: "cxloop@example.com" },
          sentimentProvider: "comprehend",
          commentRetentionDays: 90,
          eventArchiveRetentionDays: 30,
          console: {
            domainPrefix: "cxloop-nag-test",
            firstAdminEmail: "admin@example.com",
            extraCallbackUrls: ["https://cx.example.com/"],
            threatProtection: true,
          },
        },
      }),
    env: { account: "123456789012", region: "eu-west-1" },
  },
];

interface Finding {
  rule: string;
  severity: string;
  path: string;
  message: string;
}

interface Acknowledgment {
  path: string;
  id: string;
  reason: string;
}

const findingsOf = (violations: readonly PolicyViolation[]): Finding[] =>
  violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      rule: violation.ruleName,
      severity: violation.severity ?? "unknown",
      path: resource.constructPath ?? resource.resourceLogicalId ?? "(no path)",
      message: violation.description,
    })),
  );

const describeFinding = (finding: Finding) =>
  `${finding.severity} ${finding.rule} at ${finding.path}: ${finding.message}`;

/** Every `Validations.of(...).acknowledge` in the tree, with cdk-nag's reading of its id (no `Annotation::` prefix). */
function acknowledgmentsIn(app: App): Acknowledgment[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ""),
          reason,
        })),
      ),
  );
}

describe.each(VARIANTS)("cdk-nag AwsSolutions, $name", ({ config, env }) => {
  let unacknowledged: Finding[];
  let everyFinding: Finding[];
  let acknowledgments: Acknowledgment[];

  beforeAll(() => {
    // Feature flags as `cdk synth` reads them. No asset bundling: the rules read resources, never bundle contents.
    const app = new App({ context: { ...cdkJsonFeatureFlags(), "aws:cdk:bundling-stacks": [] } });
    new CxloopStack(app, "Nag", { config: config(), env });
    // Synthesized first, so aspects and lazy values have settled as they do for a deploy.
    app.synth();
    unacknowledged = findingsOf(new AwsSolutionsChecks(app).validateScope(app).violations);
    // The same pack blind to acknowledgments (its private isAcknowledged: were it renamed, this would find
    // nothing and the stale-acknowledgment test would fail), to tell which acknowledgment still answers a finding.
    const blind = new AwsSolutionsChecks(app);
    Object.defineProperty(blind, "isAcknowledged", { value: () => false });
    everyFinding = findingsOf(blind.validateScope(app).violations);
    acknowledgments = acknowledgmentsIn(app);
  }, 120_000);

  it("leaves no error or warning unacknowledged", () => {
    expect(unacknowledged.map(describeFinding)).toEqual([]);
  });

  it("gives every acknowledgment a written reason", () => {
    const unexplained = acknowledgments.filter(({ reason }) => reason.trim().length < 20);
    expect(unexplained).toEqual([]);
  });

  it("acknowledges only findings that are there, on the construct that holds them", () => {
    expect(everyFinding.length).toBeGreaterThan(0);
    const stale = acknowledgments.filter(
      ({ path, id }) =>
        id.startsWith("AwsSolutions-") &&
        !everyFinding.some(
          (finding) => finding.rule === id && (finding.path === path || finding.path.startsWith(`${path}/`)),
        ),
    );
    expect(stale).toEqual([]);
  });
});
