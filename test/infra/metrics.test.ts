import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { stageConfigSchema } from "../../lib/config";
import { CxloopStack } from "../../lib/cxloop-stack";
import { actionsOf, functionOf, resourcesOf } from "../support/template";

const escalation = [{ name: "Head of CX", email: "head@example.com", slack: "cx-leads" }];
let template: Template;
let custom: Template;

beforeAll(() => {
  const synth = (input: unknown, id: string) =>
    Template.fromStack(new CxloopStack(new App(), id, { config: stageConfigSchema.parse(input) }));
  template = synth({ alerts: { emailFrom: "cx@example.com" }, followUp: { escalation } }, "MetricsDefaults");
  custom = synth(
    {
      digest: { recipients: [{ name: "COO", email: "coo@example.com" }], schedule: "cron(0 6 ? * FRI *)" },
      metricsTimeZone: "Europe/Berlin",
    },
    "MetricsCustom",
  );
}, 180_000);

const environmentOf = (target: Template, handler: string) =>
  (functionOf(target, handler)[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;

/** The schedule rule whose only target is the handler's function. */
function scheduleOf(target: Template, handler: string) {
  const [functionId] = functionOf(target, handler);
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
    expect(functionOf(template, "metrics-rollup")[1].Properties.Timeout).toBe(300);
  });

  it("sends the digest on Monday mornings to the escalation contacts by default, or as configured", () => {
    expect(scheduleOf(template, "digest").ScheduleExpression).toBe("cron(0 8 ? * MON *)");
    expect(JSON.parse(environmentOf(template, "digest").DIGEST_RECIPIENTS as string)).toEqual(escalation);
    expect(scheduleOf(custom, "digest").ScheduleExpression).toBe("cron(0 6 ? * FRI *)");
    expect(JSON.parse(environmentOf(custom, "digest").DIGEST_RECIPIENTS as string)).toEqual([
      { name: "COO", email: "coo@example.com" },
    ]);
  });

  it("serves GET /v1/metrics, GET /v1/drivers and POST /v1/metrics/recompute from the metrics API function", () => {
    for (const routeKey of ["GET /v1/metrics", "GET /v1/drivers", "POST /v1/metrics/recompute"])
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: routeKey,
        Target: Match.anyValue(),
      });
    const [apiId] = functionOf(template, "metrics-api");
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
    // Without a sender address there is no email, so no SES permission either.
    expect(actionsOf(custom, "digest")).not.toContain("ses:SendEmail");
  });

  it("gives every function that decides a response's day the same metrics time zone", () => {
    for (const handler of ["enrich", "metrics-api", "metrics-rollup", "digest"]) {
      expect(environmentOf(template, handler).METRICS_TIME_ZONE, handler).toBe("UTC");
      expect(environmentOf(custom, handler).METRICS_TIME_ZONE, handler).toBe("Europe/Berlin");
    }
  });

  it("alarms on errors of all three functions", () => {
    for (const handler of ["metrics-api", "metrics-rollup", "digest"]) {
      const [functionId] = functionOf(template, handler);
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: functionId } }],
      });
    }
  });
});
