import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTE_HANDLERS } from "../../lambdas/contracts/routes";
import { TableKeys } from "../../lambdas/contracts/table";
import { loadStageConfig, stageConfigSchema } from "../../lib/config";
import { CxloopStack } from "../../lib/cxloop-stack";
import {
  actionsOf as actionsOfTemplate,
  type CfnResource,
  functionOf as functionOfTemplate,
  type PolicyStatement,
  resourcesOf,
  statementsOf as statementsOfTemplate,
} from "../support/template";

let template: Template;
const sha = "a".repeat(64);

beforeAll(() => {
  const config = stageConfigSchema.parse({
    allowedOrigins: ["https://shop.example.com"],
    apiKeys: [{ name: "form", sha256: sha, scopes: ["submit"] }],
    alerts: { emails: ["oncall@example.com"] },
    maxReceiveCount: 4,
    enrichmentBatchSize: 7,
    eventBusName: "cxloop-test",
  });
  template = Template.fromStack(new CxloopStack(new App(), "SpineTest", { config }));
}, 120_000);

const resources = (type: string) => resourcesOf(template, type);
const functionOf = (handler: string) => functionOfTemplate(template, handler);
const statementsOf = (handler: string) => statementsOfTemplate(template, handler);
const actionsOf = (handler: string) => actionsOfTemplate(template, handler);
const queue = (prefix: string) => {
  const found = resources("AWS::SQS::Queue").find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no queue ${prefix}`);
  return found;
};

describe("intake queue and enrichment mapping", () => {
  it("redrives to a DLQ after the configured receives, encrypted, with a visibility timeout six times the consumer's", () => {
    const [, intakeQueue] = queue("IngestionQueue");
    const [dlqId, dlq] = queue("IngestionDeadLetterQueue");
    expect(intakeQueue.Properties).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: 4 },
      SqsManagedSseEnabled: true,
    });
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    const enrichTimeout = functionOf("enrich")[1].Properties.Timeout as number;
    expect(intakeQueue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(enrichTimeout * 6);
  });

  it("maps the queue to enrichment with partial batch failures and the configured batch size", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: functionOf("enrich")[0] },
      EventSourceArn: { "Fn::GetAtt": [queue("IngestionQueue")[0], "Arn"] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 7,
    });
  });

  it("alarms on any message in the DLQ and mails the alert address", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue("IngestionDeadLetterQueue")[0], "QueueName"] } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp("ObservabilityAlarmTopic") }],
    });
    template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
  });
});

describe("data", () => {
  it("keeps the table on demand, point-in-time recoverable, encrypted, with TTL and the shared key layout", () => {
    const [[, table]] = resources("AWS::DynamoDB::Table") as [[string, CfnResource]];
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
    expect(table.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: TableKeys.ttlAttribute, Enabled: true },
      DeletionProtectionEnabled: true,
      KeySchema: [
        { AttributeName: TableKeys.partitionKey, KeyType: "HASH" },
        { AttributeName: TableKeys.sortKey, KeyType: "RANGE" },
      ],
    });
    expect(table.Properties.TableName).toBeUndefined();
    const indexes = (
      table.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: { AttributeName: string }[] }[]
    ).map((index) => [index.IndexName, index.KeySchema.map((key) => key.AttributeName)]);
    expect(indexes).toEqual(
      Object.values(TableKeys.indexes).map((index) => [index.name, [index.partitionKey, index.sortKey]]),
    );
  });

  it("names the bus from config and archives every cxloop event for replay", () => {
    const [[busId]] = resources("AWS::Events::EventBus") as [[string, CfnResource]];
    template.hasResourceProperties("AWS::Events::EventBus", { Name: "cxloop-test" });
    template.hasResourceProperties("AWS::Events::Archive", {
      SourceArn: { "Fn::GetAtt": [busId, "Arn"] },
      EventPattern: { source: ["cxloop"] },
      RetentionDays: 365,
    });
  });
});

describe("functions", () => {
  it("run Node.js 22 on arm64 with tracing, Powertools settings and retained JSON logs", () => {
    const functions = resources("AWS::Lambda::Function").filter(([, fn]) => fn.Metadata?.["cxloop:handler"]);
    expect(functions.length).toBeGreaterThanOrEqual(7);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        TracingConfig: { Mode: "Active" },
        LoggingConfig: { LogFormat: "JSON" },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: `cxloop-${fn.Metadata?.["cxloop:handler"]}`,
            POWERTOOLS_METRICS_NAMESPACE: "cxloop",
          }),
        },
      });
    }
    for (const [, group] of resources("AWS::Logs::LogGroup")) expect(group.Properties.RetentionInDays).toBe(30);
  });
});

describe("least privilege", () => {
  it("lets intake only send to its queue, and touch no table", () => {
    expect(actionsOf("intake")).toEqual(["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]);
    const send = statementsOf("intake").find((s) => ([] as string[]).concat(s.Action).includes("sqs:SendMessage"));
    expect(send?.Resource).toEqual({ "Fn::GetAtt": [queue("IngestionQueue")[0], "Arn"] });
  });

  it("lets enrichment read and write single items and publish, but not query, scan or delete", () => {
    expect(actionsOf("enrich")).toEqual(
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "events:PutEvents",
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
      ].sort(),
    );
  });

  it("lets the read API only get and query", () => {
    expect(actionsOf("responses-api")).toEqual(["dynamodb:GetItem", "dynamodb:Query"]);
  });

  it("never grants wildcard actions, and never data actions on every resource", () => {
    for (const [, policy] of resources("AWS::IAM::Policy")) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement) {
        const actions = ([] as string[]).concat(statement.Action);
        for (const action of actions)
          expect(action).not.toMatch(/^(\*|dynamodb:\*|sqs:\*|events:\*|secretsmanager:\*)$/);
        if (actions.some((action) => /^(dynamodb|sqs|events|secretsmanager):/.test(action)))
          expect(statement.Resource).not.toBe("*");
      }
    }
  });
});

describe("HTTP API", () => {
  it("has exactly the contract's routes, integrated with payload format 2.0, and CORS from config", () => {
    const routeKeys = resources("AWS::ApiGatewayV2::Route")
      .map(([, route]) => route.Properties.RouteKey)
      .sort();
    expect(routeKeys).toEqual(Object.keys(ROUTE_HANDLERS).sort());
    for (const [, integration] of resources("AWS::ApiGatewayV2::Integration"))
      expect(integration.Properties).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ["https://shop.example.com"] }),
    });
  });
});

describe("stage config", () => {
  it("names every bad field and stops", () => {
    expect(() =>
      loadStageConfig("dev", {
        dev: { apiKeys: [{ name: "k", sha256: "nothex", scopes: ["submit"] }], colour: "red" },
      }),
    ).toThrow(/stages\.dev\.apiKeys\.0\.sha256: must be the lowercase hex SHA-256[\s\S]*stages\.dev\./);
    expect(() => loadStageConfig("prod", { dev: {} })).toThrow(
      "unknown stage 'prod': cdk.json context 'stages' has dev",
    );
  });

  it("turns on Comprehend permissions only when sentiment comes from Comprehend", () => {
    const withComprehend = Template.fromStack(
      new CxloopStack(new App(), "ComprehendTest", {
        config: stageConfigSchema.parse({ sentimentProvider: "comprehend" }),
      }),
    );
    withComprehend.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: "comprehend:BatchDetectSentiment" })]) },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain("comprehend:");
  }, 120_000);
});
