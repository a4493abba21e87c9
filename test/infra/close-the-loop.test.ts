import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { stageConfigSchema } from "../../lib/config";
import { CxloopStack } from "../../lib/cxloop-stack";
import { actionsOf as actionsOfTemplate, resourcesOf, statementsOf } from "../support/template";

let template: Template;

beforeAll(() => {
  const config = stageConfigSchema.parse({
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
  });
  template = Template.fromStack(new CxloopStack(new App(), "LoopTest", { config }));
}, 120_000);

const resources = (type: string) => resourcesOf(template, type);
const roleStatements = (handler: string) =>
  statementsOf(template, handler).map((statement) => ({
    actions: ([] as string[]).concat(statement.Action),
    resource: statement.Resource,
  }));
const actionsOf = (handler: string) => actionsOfTemplate(template, handler);

describe("close-the-loop infrastructure", () => {
  it("declares one rule per configured follow-up rule, with its content filter on Response Recorded", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["cxloop"],
        "detail-type": ["Response Recorded"],
        detail: { type: ["nps"], category: ["detractor"] },
      },
      Targets: [
        Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("CloseTheLoopFollowUpQueue"), "Arn"] } }),
      ],
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
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["cxloop"], "detail-type": ["Customer At Risk"] },
      Targets: [
        Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("CloseTheLoopFollowUpQueue"), "Arn"] } }),
      ],
    });
  });

  it("runs the SLA sweeper every 15 minutes with retries", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(15 minutes)",
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it("gives the follow-up and alert queues DLQs and both consumers partial batch failures", () => {
    const mappings = resources("AWS::Lambda::EventSourceMapping").map(([, m]) => m.Properties);
    expect(mappings.every((m) => (m.FunctionResponseTypes as string[]).includes("ReportBatchItemFailures"))).toBe(true);
    for (const name of ["CloseTheLoopFollowUpQueue", "CloseTheLoopAlertsQueue"]) {
      const [, queue] = resources("AWS::SQS::Queue").find(([id]) => id.startsWith(name)) ?? [];
      expect(queue?.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 5 });
    }
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [Match.stringLikeRegexp("CloseTheLoopAlertsDeadLetterQueue"), "QueueName"] },
        },
      ],
    });
  });

  it("grants the follow-up function only what it needs", () => {
    expect(actionsOf("follow-up")).toEqual(
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

  it("lets only the notifier read the Slack webhook secret, and send email through SES identities", () => {
    const notify = roleStatements("notify");
    expect(notify.flatMap((s) => s.actions)).toEqual(
      expect.arrayContaining(["secretsmanager:GetSecretValue", "ses:SendEmail"]),
    );
    const ses = notify.find((s) => s.actions.includes("ses:SendEmail"));
    expect(JSON.stringify(ses?.resource)).toContain(":identity/*");
    for (const handler of ["follow-up", "sla-sweeper", "intake", "enrich", "cases-api"])
      expect(actionsOf(handler).some((action) => action.startsWith("secretsmanager:"))).toBe(false);
  });

  it("lets the sweeper query and write cases but not delete anything", () => {
    const actions = actionsOf("sla-sweeper");
    expect(actions).toEqual(["dynamodb:PutItem", "dynamodb:Query", "events:PutEvents"]);
  });
});
