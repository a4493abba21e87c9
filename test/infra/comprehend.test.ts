import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { HANDLERS } from "../../lambdas/contracts/routes";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { hashApiKey } from "../../lambdas/core/auth";
import { actionsOf, allowedActionsOf, allStatements } from "./iam";
import { environmentOf, functionFor, roleOf, synthesize } from "./synth";

let template: Template;

beforeAll(() => {
  ({ template } = synthesize(
    {
      apiKeys: [{ name: "admin", sha256: hashApiKey("infra-test-admin"), scopes: ["admin"] }],
      alerts: { emails: ["oncall@example.com"] },
      sentimentProvider: "comprehend",
      // Every function exists, so each is checked for Comprehend grants.
      commentRetentionDays: 365,
    },
    "ComprehendTest",
  ));
}, 120_000);

describe("sentimentProvider: comprehend", () => {
  it("tells enrich to use Comprehend and lets its role call BatchDetectSentiment", () => {
    const [, enrich] = functionFor(template, "enrich");
    expect(environmentOf(enrich)[EnvName.sentimentProvider]).toBe("comprehend");
    // Comprehend's sentiment API has no resource-level permissions, so "*" is the only possible resource.
    expect(allowedActionsOf(template, roleOf(enrich)).get("comprehend:BatchDetectSentiment")).toEqual(["*"]);
  });

  it("grants Comprehend to no other role, and nothing else of Comprehend", () => {
    for (const handler of HANDLERS.filter((name) => name !== "enrich")) {
      expect(
        actionsOf(template, handler).filter((action) => action.startsWith("comprehend:")),
        handler,
      ).toEqual([]);
    }
    const comprehend = allStatements(template).flatMap((s) => s.actions.filter((a) => a.startsWith("comprehend:")));
    expect(new Set(comprehend)).toEqual(new Set(["comprehend:BatchDetectSentiment"]));
  });

  it("still keeps DynamoDB off '*' even where Comprehend's '*' statement is merged with others", () => {
    for (const statement of allStatements(template).filter((s) => s.effect === "Allow"))
      if (statement.resources.includes("*"))
        expect(
          statement.actions.filter((action) => !action.startsWith("comprehend:")),
          statement.where,
        ).toEqual([]);
  });
});
