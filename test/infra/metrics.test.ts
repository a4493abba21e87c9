import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { actionsOf } from "./iam";
import { environmentOf as environmentOfFunction, functionFor, resourcesOf, synthesize } from "./synth";

const escalation = [{ name: "Head of CX", email: "head@example.com", slack: "cx-leads" }];
let template: Template;
let custom: Template;

beforeAll(() => {
  const synth = (input: unknown, id: string) => synthesize(input, id).template;
  template = synth({ alerts: { emailFrom: "cx@example.com" }, followUp: { escalation } }, "MetricsDefaults");
  custom = synth(
    {
      digest: { recipients: [{ name: "COO", email: "coo@example.com" }], schedule: "cron(0 6 ? * FRI *)" },
      metricsTimeZone: "Europe/Berlin",
    },
    "MetricsCustom",
  );
}, 180_000);

const environmentOf = (target: Template, handler: HandlerName) =>
  environmentOfFunction(functionFor(target, handler)[1]);

/** The schedule rule whose only target is the handler's function. */
function scheduleOf(target: Template, handler: HandlerName) {
  const [functionId] = functionFor(target, handler);
  const rule = resourcesOf(target, "AWS::Events::Rule").find(([, candidate]) =>
    (candidate.Properties.Targets as { Arn: { "Fn::GetAtt": [string] } }[]).some(
      (t) => t.Arn?.["Fn::GetAtt"]?.[0] === functionId,
    ),
  );
  if (!rule) throw new Error(`no rule targets ${handler}`);
  return rule[1].Properties as { ScheduleExpression: string; Targets: { RetryPolicy?: unknown }[] };
}

describe("metrics infrastructure", () => {
  it("rolls changed days up every five minutes, retrying a failed run", () => {
    const schedule = scheduleOf(template, "metrics-rollup");
    expect(schedule.ScheduleExpression).toBe("rate(5 minutes)");
    expect(schedule.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
    expect(functionFor(template, "metrics-rollup")[1].Properties.Timeout).toBe(300);
  });

  it("sends the digest on Monday mornings to the escalation contacts by default, or as configured", () => {
    expect(scheduleOf(template, "digest").ScheduleExpression).toBe("cron(0 8 ? * MON *)");
    expect(JSON.parse(environmentOf(template, "digest")[EnvName.digestRecipients] as string)).toEqual(escalation);
    expect(scheduleOf(custom, "digest").ScheduleExpression).toBe("cron(0 6 ? * FRI *)");
    expect(JSON.parse(environmentOf(custom, "digest")[EnvName.digestRecipients] as string)).toEqual([
      { name: "COO", email: "coo@example.com" },
    ]);
  });

  it("serves GET /v1/metrics, GET /v1/drivers and POST /v1/metrics/recompute from the metrics API function", () => {
    for (const routeKey of ["GET /v1/metrics", "GET /v1/drivers", "POST /v1/metrics/recompute"])
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: routeKey,
        Target: Match.anyValue(),
      });
    const [apiId] = functionFor(template, "metrics-api");
    const integrations = resourcesOf(template, "AWS::ApiGatewayV2::Integration").filter(([, integration]) =>
      JSON.stringify(integration.Properties.IntegrationUri).includes(apiId),
    );
    expect(integrations).toHaveLength(1);
  });

  it("grants each function only what it does: query and write aggregates, read cases and profiles, send the digest", () => {
    const aggregates = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query"];
    expect(actionsOf(template, "metrics-api")).toEqual(aggregates);
    expect(actionsOf(template, "metrics-rollup")).toEqual(aggregates);
    expect(actionsOf(template, "digest")).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "events:PutEvents",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "ses:SendEmail",
    ]);
    expect(environmentOf(template, "digest")[EnvName.emailFrom]).toBe("cx@example.com");
    // Without a sender address there is no email, so no SES permission or sender either.
    expect(actionsOf(custom, "digest")).not.toContain("ses:SendEmail");
    expect(environmentOf(custom, "digest")).not.toHaveProperty(EnvName.emailFrom);
  });

  it("gives every function that decides a response's day the same metrics time zone", () => {
    for (const handler of ["enrich", "metrics-api", "metrics-rollup", "digest"] as const) {
      expect(environmentOf(template, handler)[EnvName.metricsTimeZone], handler).toBe("UTC");
      expect(environmentOf(custom, handler)[EnvName.metricsTimeZone], handler).toBe("Europe/Berlin");
    }
  });
});
