import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "../../lambdas/contracts/events";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { actionsOf } from "./iam";
import { environmentOf, functionFor, refOf, resourceById, resourcesOf, synthesize } from "./synth";

let template: Template;
beforeAll(() => {
  template = synthesize({ webhooks: { retryScheduleSeconds: [10, 600, 7200] } }, "Webhooks").template;
});

const environment = (handler: "webhook-delivery" | "webhook-fanout" | "webhooks-api") =>
  environmentOf(functionFor(template, handler)[1]);

describe("webhooks infrastructure", () => {
  it("feeds every event type on the bus to the fan-out queue with one rule", () => {
    const [fanOutQueue] = resourcesOf(template, "AWS::Lambda::EventSourceMapping").filter(
      ([, mapping]) => refOf(mapping.Properties.FunctionName) === functionFor(template, "webhook-fanout")[0],
    );
    expect(fanOutQueue).toBeDefined();
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: { source: ["cxloop"], "detail-type": Object.values(DetailType) },
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^WebhooksFanOutQueue"), "Arn"] } })],
    });
  });

  it("gives the delivery function the schedule, its queue and DLQ, and sends to nothing else", () => {
    const env = environment("webhook-delivery");
    expect(env[EnvName.webhookRetrySchedule]).toBe("[10,600,7200]");
    const queue = refOf(env[EnvName.webhookQueueUrl]);
    const dlq = refOf(env[EnvName.webhookDeadLetterQueueUrl]);
    expect(resourceById(template, queue).Properties.RedrivePolicy).toMatchObject({
      deadLetterTargetArn: { "Fn::GetAtt": [dlq, "Arn"] },
    });
    // Each attempt waits at most 10 s for its answer, five to a batch.
    expect(functionFor(template, "webhook-delivery")[1].Properties.Timeout).toBe(60);
    expect(EnvName.webhookAllowLoopback in env).toBe(false);
    expect(actionsOf(template, "webhook-delivery").filter((action) => !action.startsWith("sqs:Receive"))).toEqual(
      expect.arrayContaining(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "sqs:SendMessage"]),
    );
    expect(actionsOf(template, "webhook-delivery")).not.toContain("events:PutEvents");
  });

  it("lets the fan-out and the management API queue deliveries, never reach the dead-letter queue", () => {
    for (const handler of ["webhook-fanout", "webhooks-api"] as const) {
      const env = environment(handler);
      expect(env[EnvName.webhookQueueUrl], handler).toEqual({
        Ref: refOf(environment("webhook-delivery")[EnvName.webhookQueueUrl]),
      });
      expect(env[EnvName.webhookDeadLetterQueueUrl], handler).toBeUndefined();
      expect(env[EnvName.webhookAllowLoopback], handler).toBeUndefined();
    }
    expect(actionsOf(template, "webhook-fanout").filter((action) => action.startsWith("dynamodb:"))).toEqual([
      "dynamodb:Query",
    ]);
  });
});
