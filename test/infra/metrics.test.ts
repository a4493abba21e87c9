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
      minResponses: 50,
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

/** The Scheduler schedule (rules know no time zone) whose target is the digest function, and its role's actions. */
function digestScheduleOf(target: Template) {
  const [functionId] = functionFor(target, "digest");
  const schedules = resourcesOf(target, "AWS::Scheduler::Schedule").filter(([, candidate]) =>
    JSON.stringify((candidate.Properties.Target as { Arn: unknown }).Arn).includes(functionId),
  );
  expect(schedules).toHaveLength(1);
  return schedules[0]?.[1].Properties;
}

describe("metrics infrastructure", () => {
  it("rolls changed days up every five minutes, retrying a failed run", () => {
    const schedule = scheduleOf(template, "metrics-rollup");
    expect(schedule.ScheduleExpression).toBe("rate(5 minutes)");
    expect(schedule.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2 });
    expect(functionFor(template, "metrics-rollup")[1].Properties.Timeout).toBe(300);
  });

  it("sends the digest on Monday mornings in the metrics time zone to the escalation contacts by default, or as configured", () => {
    expect(digestScheduleOf(template)).toMatchObject({
      ScheduleExpression: "cron(0 8 ? * MON *)",
      ScheduleExpressionTimezone: "UTC",
      Target: { RetryPolicy: { MaximumRetryAttempts: 2 } },
    });
    expect(JSON.parse(environmentOf(template, "digest")[EnvName.digestRecipients] as string)).toEqual(escalation);
    expect(digestScheduleOf(custom)).toMatchObject({
      ScheduleExpression: "cron(0 6 ? * FRI *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
    });
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
      "s3:GetObject",
      "s3:PutObject",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "ses:SendEmail",
    ]);
    expect(environmentOf(template, "digest")[EnvName.emailFrom]).toBe("cx@example.com");
    // Without a sender address there is no email, so no SES permission or sender either.
    expect(actionsOf(custom, "digest")).not.toContain("ses:SendEmail");
    expect(environmentOf(custom, "digest")).not.toHaveProperty(EnvName.emailFrom);
  });

  it("keeps the digest's charts in a private, encrypted bucket that forgets them after their URLs expire, for the digest alone", () => {
    const buckets = resourcesOf(template, "AWS::S3::Bucket").filter(([id]) => id.startsWith("MetricsCharts"));
    expect(buckets).toHaveLength(1);
    const [bucketId, bucket] = buckets[0] as [string, { Properties: Record<string, unknown> }];
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 8, Status: "Enabled" }] },
    });
    expect(environmentOf(template, "digest")[EnvName.chartBucket]).toEqual({ Ref: bucketId });
    const readers = resourcesOf(template, "AWS::IAM::Policy").filter(([, policy]) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(bucketId),
    );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]?.[1].Properties.Roles)).toContain("MetricsDigest");
  });

  it("gives every function that decides a response's day the same metrics time zone", () => {
    for (const handler of ["enrich", "metrics-api", "metrics-rollup", "digest"] as const) {
      expect(environmentOf(template, handler)[EnvName.metricsTimeZone], handler).toBe("UTC");
      expect(environmentOf(custom, handler)[EnvName.metricsTimeZone], handler).toBe("Europe/Berlin");
    }
  });

  it("gives every function that reports significance the stage's minimum number of answers", () => {
    for (const handler of ["metrics-api", "metrics-rollup", "digest"] as const) {
      expect(environmentOf(template, handler)[EnvName.minResponses], handler).toBe("30");
      expect(environmentOf(custom, handler)[EnvName.minResponses], handler).toBe("50");
    }
  });
});
