import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { actionsOf as actionsOfTemplate, statementsOfRole } from "./iam";
import { deadLetterQueueOf, functionFor, queueFor, roleOf, synthesize } from "./synth";

let template: Template;

beforeAll(() => {
  ({ template } = synthesize(
    {
      alerts: { emailFrom: "cx@example.com" },
      followUp: {
        rules: [
          { name: "nps-detractor", detail: { type: ["nps"], category: ["detractor"] } },
          {
            name: "vip-csat",
            detail: {
              type: ["csat"],
              score: [{ numeric: ["<=", 2] }],
              customer: { annualValue: [{ numeric: [">=", 100000] }] },
            },
          },
        ],
      },
    },
    "LoopTest",
  ));
}, 120_000);

const actionsOf = (handler: HandlerName) => actionsOfTemplate(template, handler);

describe("close-the-loop infrastructure", () => {
  it("declares one rule per configured follow-up rule, with its content filter on Response Recorded", () => {
    const [followUpQueueId] = queueFor(template, "follow-up");
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["cxloop"],
        "detail-type": ["Response Recorded"],
        detail: { type: ["nps"], category: ["detractor"] },
      },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [followUpQueueId, "Arn"] } })],
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        detail: {
          type: ["csat"],
          score: [{ numeric: ["<=", 2] }],
          customer: { annualValue: [{ numeric: [">=", 100000] }] },
        },
      },
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["cxloop"], "detail-type": ["Case Opened", "Case Escalated"] },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [queueFor(template, "notify")[0], "Arn"] } })],
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["cxloop"], "detail-type": ["Customer At Risk"] },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [followUpQueueId, "Arn"] } })],
    });
  });

  it("runs the SLA sweeper every 15 minutes with retries", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(15 minutes)",
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it("gives the follow-up and alert queues alarmed DLQs and both consumers partial batch failures", () => {
    for (const [handler, batchSize] of [
      ["follow-up", 10],
      ["notify", 5],
    ] as const) {
      const [queueId, queue] = queueFor(template, handler);
      expect(queue.Properties.RedrivePolicy, handler).toMatchObject({ maxReceiveCount: 5 });
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: { "Fn::GetAtt": [queueId, "Arn"] },
        FunctionName: { Ref: functionFor(template, handler)[0] },
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        BatchSize: batchSize,
      });
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [deadLetterQueueOf(queue), "QueueName"] } }],
      });
    }
  });

  it("grants the follow-up function only what it needs (Query: the customer's open retention case)", () => {
    expect(actionsOf("follow-up")).toEqual(
      [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
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

  it("lets only the notifier read the Slack webhook secret, and send email through SES identities", () => {
    const notify = statementsOfRole(template, roleOf(functionFor(template, "notify")[1]));
    expect(notify.flatMap((s) => s.actions)).toEqual(
      expect.arrayContaining(["secretsmanager:GetSecretValue", "ses:SendEmail"]),
    );
    const ses = notify.find((s) => s.actions.includes("ses:SendEmail"));
    expect(JSON.stringify(ses?.resources)).toContain(":identity/*");
    const slackSecret = JSON.stringify(
      notify.find((s) => s.actions.includes("secretsmanager:GetSecretValue"))?.resources,
    );
    for (const handler of ["follow-up", "sla-sweeper", "intake", "enrich", "cases-api"] as const) {
      const reads = statementsOfRole(template, roleOf(functionFor(template, handler)[1])).filter((s) =>
        s.actions.some((action) => action.startsWith("secretsmanager:")),
      );
      expect(
        reads.map((s) => JSON.stringify(s.resources)),
        handler,
      ).not.toContain(slackSecret);
    }
  });

  it("lets the sweeper query and write cases and the stats counters but not delete anything", () => {
    const actions = actionsOf("sla-sweeper");
    expect(actions).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "events:PutEvents",
    ]);
  });

  it("lets the cases API update items (the stats counters, in the case write's transaction) but not delete any", () => {
    expect(actionsOf("cases-api").filter((action) => action.startsWith("dynamodb:"))).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
  });
});
