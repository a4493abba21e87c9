import { Capture, Match, type Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { beforeAll, describe, expect, it } from "vitest";
import { HANDLERS, type HandlerName, ROUTE_HANDLERS } from "../../lambdas/contracts/routes";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { API_KEYS_PARTITION, RATE_COUNTERS_PREFIX, TableKeys } from "../../lambdas/contracts/table";
import { hashApiKey } from "../../lambdas/core/auth";
import type { StageConfig } from "../../lib/config";
import { HANDLER_METADATA_KEY } from "../../lib/constructs/bundling";
import { allowedActionsOf, allStatements, conditionalStatementsOf, managedPolicyArnsOf, statementsOfRole } from "./iam";
import {
  arnOf,
  type CfnResource,
  cxloopFunctionsOf,
  deadLetterQueueOf,
  environmentOf,
  functionFor,
  getAttOf,
  queueMappingsOf,
  refOf,
  resourceById,
  resourcesOf,
  roleOf,
  siteDeploymentHandlerOf,
  synthesize,
} from "./synth";

let template: Template;
let config: StageConfig;

// Every tunable differs from its default, so each assertion proves the value flows from config to template.
beforeAll(() => {
  ({ template, config } = synthesize({
    allowedOrigins: ["https://shop.example.com", "https://www.example.org"],
    apiKeys: [{ name: "web-form", sha256: hashApiKey("infra-test-key"), scopes: ["submit"] }],
    alerts: { emails: ["oncall@example.com"] },
    sentimentProvider: "vader",
    eventBusName: "cxloop-infra-test",
    eventArchiveRetentionDays: 90,
    erasurePromiseDays: 90,
    logRetentionDays: 10,
    logging: { level: "INFO", debugSampleRate: 0.05 },
    maxReceiveCount: 3,
    enrichmentBatchSize: 25,
    churnRiskThreshold: 0.7,
    commentRetentionDays: 180,
    metricsTimeZone: "Europe/Berlin",
    throttle: { rateLimit: 20, burstLimit: 40 },
    identity: { requireSignedCustomers: true },
    surveys: { relationship: { throttleDays: 90 } },
  }));
}, 120_000);

const fn = (handler: HandlerName) => functionFor(template, handler);
const role = (handler: HandlerName) => roleOf(fn(handler)[1]);
/** The queue intake sends to, found through intake's QUEUE_URL. */
const intakeQueueId = () => refOf(environmentOf(fn("intake")[1])[EnvName.queueUrl]);
const intakeQueue = () => resourceById(template, intakeQueueId());
const deadLetterQueueId = () => deadLetterQueueOf(intakeQueue());
const tableId = () => {
  const [[id] = []] = resourcesOf(template, "AWS::DynamoDB::Table");
  if (!id) throw new Error("no table");
  return id;
};
const busId = () => {
  const [[id] = []] = resourcesOf(template, "AWS::Events::EventBus");
  if (!id) throw new Error("no event bus");
  return id;
};
const tableResources = () => [arnOf(tableId()), { "Fn::Join": ["", [arnOf(tableId()), "/index/*"]] }];
const sortedJson = (values: unknown[]) => values.map((value) => JSON.stringify(value)).sort();

describe("collecting from web pages", () => {
  it("gives intake the identity secret to read, the requirement and the survey throttles; no other function reads it", () => {
    const env = environmentOf(fn("intake")[1]);
    expect(env[EnvName.requireSignedCustomers]).toBe("true");
    expect(JSON.parse(env[EnvName.surveys] as string)).toEqual({ relationship: { throttleDays: 90 } });
    const secretId = refOf(env[EnvName.identitySecretArn]);
    expect(resourceById(template, secretId).Type).toBe("AWS::SecretsManager::Secret");
    const readers = cxloopFunctionsOf(template).filter(([, resource]) =>
      statementsOfRole(template, roleOf(resource)).some((statement) =>
        JSON.stringify(statement.resources).includes(secretId),
      ),
    );
    expect(readers.map(([, resource]) => resource.Metadata?.[HANDLER_METADATA_KEY])).toEqual(["intake"]);
  });
});

describe("intake queue", () => {
  it("redrives to its dead-letter queue after config.maxReceiveCount receives", () => {
    expect(intakeQueue().Type).toBe("AWS::SQS::Queue");
    expect(intakeQueue().Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(deadLetterQueueId()),
      maxReceiveCount: config.maxReceiveCount,
    });
    const dlq = resourceById(template, deadLetterQueueId());
    expect(dlq.Type).toBe("AWS::SQS::Queue");
    expect(dlq.Properties.RedrivePolicy).toBeUndefined();
  });

  it("encrypts both queues with SQS-managed keys, and keeps dead letters longer than the source keeps messages", () => {
    const dlq = resourceById(template, deadLetterQueueId());
    for (const queue of [intakeQueue(), dlq]) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
    // A redriven message keeps its original enqueue time, so a shorter DLQ retention would drop it early.
    expect(dlq.Properties.MessageRetentionPeriod as number).toBeGreaterThan(
      intakeQueue().Properties.MessageRetentionPeriod as number,
    );
  });

  it("feeds enrich with partial batch failures and config.enrichmentBatchSize", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: arnOf(intakeQueueId()),
      FunctionName: { Ref: fn("enrich")[0] },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: config.enrichmentBatchSize,
      // SQS batches above 10 are only accepted with a batching window.
      MaximumBatchingWindowInSeconds: Match.anyValue(),
    });
  });

  it("alarms on any visible message in the dead-letter queue, through a topic the alert address subscribes to", () => {
    const topic = new Capture();
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: config.alerts.emails[0],
      TopicArn: { Ref: topic },
    });
    expect(resourceById(template, topic.asString()).Type).toBe("AWS::SNS::Topic");
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [deadLetterQueueId(), "QueueName"] } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      AlarmActions: Match.arrayWith([{ Ref: topic.asString() }]),
    });
  });
});

describe("consumer queues", () => {
  const mappings = () => queueMappingsOf(template);
  const handlerOf = (functionId: string) => resourceById(template, functionId).Metadata?.[HANDLER_METADATA_KEY];

  it("feed enrich, follow-up, notify, the webhook fan-out and delivery, and export steps, one queue each", () => {
    expect(
      mappings()
        .map((m) => handlerOf(m.functionId))
        .sort(),
    ).toEqual(["enrich", "export", "follow-up", "notify", "webhook-delivery", "webhook-fanout"].sort());
    expect(new Set(mappings().map((m) => m.queueId)).size).toBe(mappings().length);
  });

  it("keep a message invisible for six times its consumer's timeout", () => {
    for (const { queueId, functionId } of mappings()) {
      const timeout = resourceById(template, functionId).Properties.Timeout as number;
      expect(timeout, functionId).toBeGreaterThan(0);
      expect(resourceById(template, queueId).Properties.VisibilityTimeout, queueId).toBe(6 * timeout);
    }
  });

  it("report partial batch failures and cap the consumer's concurrency", () => {
    for (const { id, mapping, functionId } of mappings()) {
      expect(mapping.Properties, id).toMatchObject({ FunctionResponseTypes: ["ReportBatchItemFailures"] });
      // Five at most; export steps two, since each holds a page of records and a gzip stream in memory.
      const concurrency = (mapping.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency;
      expect(concurrency, id).toBe(handlerOf(functionId) === "export" ? 2 : 5);
    }
  });

  it("redrive after config.maxReceiveCount to an encrypted, TLS-only DLQ kept 14 days and alarmed", () => {
    for (const { queueId } of mappings()) {
      const alarmed = new Capture();
      const queue = resourceById(template, queueId);
      const dlqId = deadLetterQueueOf(queue);
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf(dlqId),
        maxReceiveCount: config.maxReceiveCount,
      });
      expect(resourceById(template, dlqId).Properties).toMatchObject({
        MessageRetentionPeriod: 14 * 24 * 3600,
        SqsManagedSseEnabled: true,
      });
      for (const id of [queueId, dlqId])
        template.hasResourceProperties("AWS::SQS::QueuePolicy", {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            ]),
          },
        });
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlqId, "QueueName"] } }],
        AlarmActions: [{ Ref: alarmed }],
      });
      expect(resourceById(template, alarmed.asString()).Type).toBe("AWS::SNS::Topic");
    }
  });

  it("are every queue in the stack, with their DLQs", () => {
    const expected = mappings().flatMap(({ queueId }) => [queueId, deadLetterQueueOf(resourceById(template, queueId))]);
    expect(
      resourcesOf(template, "AWS::SQS::Queue")
        .map(([id]) => id)
        .sort(),
    ).toEqual(expected.sort());
  });
});

describe("stateful resources", () => {
  // The ids deployed stacks hold. Under a new logical id CloudFormation would create an empty table and leave
  // the retained one, with the data, outside the stack; delete the archive and the events it keeps; and fail
  // on the bus's fixed name. A refactor that changes them must not pass.
  const TABLE_ID = "DataTableFDBAD0F2";
  const BUS_ID = "DataBus11656D0F";
  const ARCHIVE_ID = "DataBusArchiveEFF17F4E";

  it("keep the logical ids they were deployed with", () => {
    expect(Object.keys(template.findResources("AWS::DynamoDB::Table"))).toEqual([TABLE_ID]);
    expect(Object.keys(template.findResources("AWS::Events::EventBus"))).toEqual([BUS_ID]);
    expect(Object.keys(template.findResources("AWS::Events::Archive"))).toEqual([ARCHIVE_ID]);
    expect(resourceById(template, ARCHIVE_ID).Properties.SourceArn).toEqual(arnOf(BUS_ID));
  });

  it("are retained, and the table cannot be deleted by accident", () => {
    expect(resourceById(template, TABLE_ID)).toMatchObject({
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: { DeletionProtectionEnabled: true },
    });
    expect(resourceById(template, BUS_ID)).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });
});

describe("table", () => {
  it("is on demand, recoverable, encrypted, expires items by expiresAt, and is retained", () => {
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
        KeySchema: [
          { AttributeName: TableKeys.partitionKey, KeyType: "HASH" },
          { AttributeName: TableKeys.sortKey, KeyType: "RANGE" },
        ],
      }),
    });
    expect(TableKeys.ttlAttribute).toBe("expiresAt");
  });

  it("has no hard-coded physical name, and functions get its name by reference", () => {
    template.allResources("AWS::DynamoDB::Table", { Properties: Match.objectLike({ TableName: Match.absent() }) });
    const withTable = resourcesOf(template, "AWS::Lambda::Function").filter(
      ([, f]) => environmentOf(f)[EnvName.tableName] !== undefined,
    );
    expect(withTable.length).toBeGreaterThan(0);
    for (const [, f] of withTable) expect(environmentOf(f)[EnvName.tableName]).toEqual({ Ref: tableId() });
  });

  it("declares gsi1 and gsi2 with the keys of TableKeys, all string attributes", () => {
    const table = resourceById(template, tableId()).Properties;
    const indexes = table.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[];
    const expected = Object.values(TableKeys.indexes).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: "HASH" },
        { AttributeName: index.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    }));
    expect([...indexes].sort((a, b) => a.IndexName.localeCompare(b.IndexName))).toEqual(expected);
    expect(indexes.map((index) => index.IndexName).sort()).toEqual(["gsi1", "gsi2"]);
    const keyAttributes = [
      TableKeys.partitionKey,
      TableKeys.sortKey,
      ...Object.values(TableKeys.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
    ];
    expect(table.AttributeDefinitions).toEqual(
      expect.arrayContaining(keyAttributes.map((name) => ({ AttributeName: name, AttributeType: "S" }))),
    );
  });
});

describe("functions", () => {
  it("are cxloop's own, but for the handler that copies the console's files into its bucket", () => {
    const others = resourcesOf(template, "AWS::Lambda::Function").filter(
      ([id]) => !cxloopFunctionsOf(template).some(([cxloopId]) => cxloopId === id),
    );
    expect(others.map(([id]) => id)).toEqual([siteDeploymentHandlerOf(template)[0]]);
  });

  it("all run Node.js 22 on arm64 without X-Ray, with source-mapped stack traces and a Powertools service name", () => {
    for (const [id, f] of cxloopFunctionsOf(template)) {
      expect(f.Properties, id).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Environment: {
          Variables: expect.objectContaining({
            NODE_OPTIONS: "--enable-source-maps",
            POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^cxloop-/),
          }),
        },
      });
      expect(f.Properties.TracingConfig, id).toBeUndefined();
    }
  });

  it("each have exactly one error alarm, sent to the alarm topic", () => {
    const errorAlarms = Object.values(
      template.findResources("AWS::CloudWatch::Alarm", {
        Properties: Match.objectLike({ Namespace: "AWS/Lambda", MetricName: "Errors" }),
      }),
    ) as CfnResource[];
    const functionIds = cxloopFunctionsOf(template).map(([id]) => id);
    const [[topicId] = []] = resourcesOf(template, "AWS::SNS::Topic");
    const alarmedIds = errorAlarms.map((alarm) => {
      expect(alarm.Properties).toMatchObject({
        Statistic: "Sum",
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        AlarmActions: [{ Ref: topicId }],
      });
      const [dimension] = alarm.Properties.Dimensions as { Name: string; Value: unknown }[];
      expect(dimension?.Name).toBe("FunctionName");
      return refOf(dimension?.Value);
    });
    expect(alarmedIds.sort()).toEqual(functionIds.sort());
  });

  it("are one per handler, each with a service name naming its handler", () => {
    const handlers = cxloopFunctionsOf(template).map(([, f]) => {
      const handler = f.Metadata?.[HANDLER_METADATA_KEY] as string;
      expect(environmentOf(f).POWERTOOLS_SERVICE_NAME).toBe(`cxloop-${handler}`);
      return handler;
    });
    expect(handlers.sort()).toEqual([...HANDLERS].sort());
  });

  it("log at the stage's level with its DEBUG sample, without Lambda's START and REPORT lines", () => {
    for (const [id, f] of cxloopFunctionsOf(template)) {
      expect(environmentOf(f), id).toMatchObject({
        POWERTOOLS_LOG_LEVEL: "INFO",
        POWERTOOLS_LOGGER_SAMPLE_RATE: "0.05",
      });
      expect(f.Properties.LoggingConfig, id).toMatchObject({ LogFormat: "JSON", SystemLogLevel: "WARN" });
    }
  });

  it("log to their own log group, and every log group expires (config days rounded up to a CloudWatch value)", () => {
    // 10 days is not a CloudWatch retention value; the next one up is two weeks.
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: RetentionDays.TWO_WEEKS });
    for (const [, f] of resourcesOf(template, "AWS::Lambda::Function")) {
      const logGroup = resourceById(template, refOf((f.Properties.LoggingConfig as { LogGroup: unknown }).LogGroup));
      expect(logGroup.Type).toBe("AWS::Logs::LogGroup");
      expect(logGroup.Properties.RetentionInDays).toBe(RetentionDays.TWO_WEEKS);
    }
  });
});

describe("bindings", () => {
  const functions = () => resourcesOf(template, "AWS::Lambda::Function");
  // Grants held by a condition count too: the hooks function reaches only the counters' partitions, and needs the name.
  const allowed = (f: CfnResource) => [
    ...allowedActionsOf(template, roleOf(f)).keys(),
    ...conditionalStatementsOf(template, roleOf(f)).flatMap((statement) => statement.actions),
  ];

  it("give every function granted the table its name and reading rules, and no other function the table", () => {
    const readers = functions().filter(([, f]) => allowed(f).some((action) => action.startsWith("dynamodb:")));
    expect(readers.length).toBeGreaterThan(0);
    for (const [id, f] of readers)
      expect(environmentOf(f), id).toMatchObject({
        [EnvName.tableName]: { Ref: tableId() },
        [EnvName.commentRetentionDays]: String(config.commentRetentionDays),
        [EnvName.metricsTimeZone]: config.metricsTimeZone,
      });
    const told = functions().filter(([, f]) => environmentOf(f)[EnvName.tableName] !== undefined);
    expect(told.map(([id]) => id).sort()).toEqual(readers.map(([id]) => id).sort());
  });

  it("give every function that may publish the bus's name, and no other function the bus", () => {
    const publishers = functions().filter(([, f]) => allowed(f).includes("events:PutEvents"));
    expect(publishers.length).toBeGreaterThan(0);
    for (const [id, f] of publishers) expect(environmentOf(f)[EnvName.eventBusName], id).toEqual({ Ref: busId() });
    const told = functions().filter(([, f]) => environmentOf(f)[EnvName.eventBusName] !== undefined);
    expect(told.map(([id]) => id).sort()).toEqual(publishers.map(([id]) => id).sort());
  });

  it("give exactly the functions serving routes the API keys, allowed origins, browser-key limits and token issuer", () => {
    const served = new Set<HandlerName>(Object.values(ROUTE_HANDLERS));
    for (const [id, f] of functions()) {
      const handler = f.Metadata?.[HANDLER_METADATA_KEY] as HandlerName;
      const environment = environmentOf(f);
      if (served.has(handler))
        expect(environment, id).toMatchObject({
          [EnvName.apiKeys]: JSON.stringify(config.apiKeys),
          [EnvName.allowedOrigins]: JSON.stringify(config.allowedOrigins),
          [EnvName.abuseControl]: JSON.stringify(config.abuseControl),
          [EnvName.peopleAuth]: expect.anything(),
        });
      else {
        expect(environment, id).not.toHaveProperty(EnvName.peopleAuth);
        expect(environment, id).not.toHaveProperty(EnvName.abuseControl);
        expect(environment, id).not.toHaveProperty(EnvName.apiKeys);
        expect(environment, id).not.toHaveProperty(EnvName.allowedOrigins);
      }
    }
  });
});

describe("event bus", () => {
  it("is named from config, retained, and archived for every cxloop event", () => {
    template.hasResource("AWS::Events::EventBus", {
      Properties: Match.objectLike({ Name: config.eventBusName }),
      DeletionPolicy: "Retain",
    });
    template.hasResourceProperties("AWS::Events::Archive", {
      SourceArn: arnOf(busId()),
      EventPattern: { source: ["cxloop"] },
      RetentionDays: config.eventArchiveRetentionDays,
    });
  });
});

describe("IAM, per function role", () => {
  it("lets every API function read keys and add to rate counters only, held to those partitions", () => {
    for (const handler of new Set<HandlerName>(Object.values(ROUTE_HANDLERS))) {
      const conditional = conditionalStatementsOf(template, role(handler));
      expect(conditional, handler).toHaveLength(1);
      expect(conditional[0]).toMatchObject({
        effect: "Allow",
        actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        resources: [arnOf(tableId())],
        condition: {
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [API_KEYS_PARTITION, `${RATE_COUNTERS_PREFIX}*`] },
        },
      });
    }
  });

  it("lets intake send to the intake queue, get, put, update and delete items (its id claims, survey links), read the identity secret, and touch no bus", () => {
    const actions = allowedActionsOf(template, role("intake"));
    const dynamo = [...actions.keys()].filter((action) => action.startsWith("dynamodb:"));
    expect(dynamo).toEqual(["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    for (const action of dynamo) expect(sortedJson(actions.get(action) ?? [])).toEqual(sortedJson(tableResources()));
    const send = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"];
    for (const action of send) expect(actions.get(action)).toEqual([arnOf(intakeQueueId())]);
    const secret = { Ref: refOf(environmentOf(fn("intake")[1])[EnvName.identitySecretArn]) };
    const readSecret = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"];
    for (const action of readSecret) expect(actions.get(action)).toEqual([secret]);
    expect([...actions.keys()].sort()).toEqual([...dynamo, ...send, ...readSecret].sort());
    const all = statementsOfRole(template, role("intake")).flatMap((s) => [...s.actions, ...s.notActions]);
    expect(all.filter((action) => action.startsWith("events:"))).toEqual([]);
  });

  it("lets enrich get, put, update and query items (for churn risk; no scan or delete), publish to the bus and consume its queue", () => {
    const actions = allowedActionsOf(template, role("enrich"));
    const dynamo = [...actions.keys()].filter((action) => action.startsWith("dynamodb:"));
    expect(dynamo).toEqual(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]);
    for (const action of dynamo) expect(sortedJson(actions.get(action) ?? [])).toEqual(sortedJson(tableResources()));
    expect(actions.get("events:PutEvents")).toEqual([arnOf(busId())]);
    const consume = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ];
    for (const action of consume) expect(actions.get(action)).toEqual([arnOf(intakeQueueId())]);
    expect([...actions.keys()].sort()).toEqual([...dynamo, "events:PutEvents", ...consume].sort());
  });

  it("gives enrich and the customers API the stage's churn-risk threshold, the two that assess risk", () => {
    for (const handler of ["enrich", "customers-api"] as const)
      expect(environmentOf(fn(handler)[1])[EnvName.churnRiskThreshold], handler).toBe(
        String(config.churnRiskThreshold),
      );
  });

  it("lets the responses API only get and query, on the table and its indexes", () => {
    const actions = allowedActionsOf(template, role("responses-api"));
    expect([...actions.keys()]).toEqual(["dynamodb:GetItem", "dynamodb:Query"]);
    expect(sortedJson(actions.get("dynamodb:Query") ?? [])).toEqual(sortedJson(tableResources()));
  });

  it("gives every function role only the basic execution managed policy, nothing on '*' and no X-Ray", () => {
    for (const handler of HANDLERS) {
      const arns = managedPolicyArnsOf(template, role(handler));
      expect(arns).toHaveLength(1);
      expect(JSON.stringify(arns[0])).toContain(":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
      for (const [action, resources] of allowedActionsOf(template, role(handler))) {
        expect(resources, `${handler} ${action}`).not.toContain("*");
        expect(action, handler).not.toMatch(/^xray:/);
      }
    }
  });

  it("never allows a wildcard action, and never a DynamoDB action on every resource, anywhere in the template", () => {
    // aws-cdk-lib grants the console's deployment S3 action families (s3:GetObject*); console.test.ts holds it to
    // the two buckets it copies between.
    const deploymentRole = roleOf(siteDeploymentHandlerOf(template)[1]);
    const deploymentPolicies = resourcesOf(template, "AWS::IAM::Policy")
      .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((role) => refOf(role) === deploymentRole))
      .map(([id]) => `${id}.`);
    expect(deploymentPolicies).not.toEqual([]);
    const statements = allStatements(template).filter(
      (s) => s.effect === "Allow" && !deploymentPolicies.some((policy) => s.where.startsWith(policy)),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.notActions, statement.where).toEqual([]);
      for (const action of statement.actions) {
        expect(["*", "dynamodb:*", "sqs:*", "events:*"], statement.where).not.toContain(action);
        expect(action, statement.where).not.toContain("*");
      }
      if (statement.actions.some((action) => action.startsWith("dynamodb:"))) {
        expect(statement.resources, statement.where).not.toContain("*");
        for (const resource of statement.resources)
          if (typeof resource === "string") expect(resource, statement.where).not.toContain("*");
      }
    }
  });

  it("grants no Comprehend action when sentiment comes from VADER", () => {
    expect(config.sentimentProvider).toBe("vader");
    expect(environmentOf(fn("enrich")[1])[EnvName.sentimentProvider]).toBe("vader");
    const comprehend = allStatements(template).flatMap((s) => s.actions.filter((a) => a.startsWith("comprehend:")));
    expect(comprehend).toEqual([]);
  });
});

describe("HTTP API", () => {
  const handlerOfFunction = (id: string) =>
    resourceById(template, id).Metadata?.[HANDLER_METADATA_KEY] as HandlerName | undefined;

  it("has exactly the routes of ROUTE_HANDLERS, each integrated with the function the contract names", () => {
    const routes = resourcesOf(template, "AWS::ApiGatewayV2::Route").map(([, route]) => route.Properties);
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(Object.keys(ROUTE_HANDLERS).sort());
    const served = Object.fromEntries(
      routes.map((route) => {
        const [, [prefix, target]] = (route.Target as { "Fn::Join": [string, [string, unknown]] })["Fn::Join"];
        expect(prefix).toBe("integrations/");
        const integration = resourceById(template, refOf(target));
        return [route.RouteKey, handlerOfFunction(getAttOf(integration.Properties.IntegrationUri, "Arn"))];
      }),
    );
    expect(served).toEqual(ROUTE_HANDLERS);
  });

  it("integrates with Lambda proxy payload format 2.0", () => {
    template.allResourcesProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
    });
  });

  it("allows exactly the configured origins", () => {
    const apis = resourcesOf(template, "AWS::ApiGatewayV2::Api") as [string, CfnResource][];
    expect(apis.length).toBeGreaterThan(0);
    for (const [, api] of apis)
      expect((api.Properties.CorsConfiguration as { AllowOrigins: unknown }).AllowOrigins).toEqual(
        config.allowedOrigins,
      );
  });

  it("throttles the whole stage at the configured rate and burst, before any function runs", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it("logs every request to a retained access log, without headers, query strings or bodies", () => {
    const [[stageId, stage]] = resourcesOf(template, "AWS::ApiGatewayV2::Stage") as [[string, CfnResource]];
    const settings = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const logGroup = resourceById(template, getAttOf(settings.DestinationArn, "Arn"));
    expect(logGroup.Properties.RetentionInDays, stageId).toBe(RetentionDays.TWO_WEEKS);
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({ routeKey: "$context.routeKey", status: "$context.status" });
    expect(settings.Format).not.toMatch(/header|querystring|body|authorizer/i);
  });

  it("lets browsers send the key headers and every header a route documents", () => {
    const [[, api]] = resourcesOf(template, "AWS::ApiGatewayV2::Api") as [[string, CfnResource]];
    const allowed = (api.Properties.CorsConfiguration as { AllowHeaders: string[] }).AllowHeaders;
    expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type", "x-api-key", "idempotency-key"]));
  });
});
