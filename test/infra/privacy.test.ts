import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { loadStageConfig } from "../../lib/config";
import { allowedActionsOf } from "./iam";
import { arnOf, deadLetterQueueOf, environmentOf, functionFor, refOf, resourcesOf, roleOf, synthesize } from "./synth";

let retained: Template;
let forever: Template;

beforeAll(() => {
  ({ template: retained } = synthesize({ commentRetentionDays: 90, eventArchiveRetentionDays: 30 }, "RetentionTest"));
  ({ template: forever } = synthesize({}, "ForeverTest"));
}, 240_000);

/** The functions that store, show or rewrite response comments, and so must know the retention. */
const READERS: HandlerName[] = [
  "enrich",
  "responses-api",
  "cases-api",
  "customers-api",
  "follow-up",
  "notify",
  "sla-sweeper",
  "digest",
];
const tableId = (template: Template) => {
  const [[id] = []] = resourcesOf(template, "AWS::DynamoDB::Table");
  if (!id) throw new Error("no table");
  return id;
};

describe("commentRetentionDays set", () => {
  it("runs the comment-retention function daily, with retries, and alarms on its errors", () => {
    const [id, fn] = functionFor(retained, "comment-retention");
    expect(environmentOf(fn)).toMatchObject({
      [EnvName.commentRetentionDays]: "90",
      [EnvName.tableName]: { Ref: tableId(retained) },
    });
    expect(fn.Properties.Timeout).toBe(900);
    retained.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "cron(30 3 * * ? *)",
      Targets: [Match.objectLike({ Arn: arnOf(id), RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    retained.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: id } }],
    });
  });

  it("lets it only get, query and update items, on the table and its indexes", () => {
    const actions = allowedActionsOf(retained, roleOf(functionFor(retained, "comment-retention")[1]));
    expect([...actions.keys()]).toEqual(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]);
    const table = arnOf(tableId(retained));
    for (const resources of actions.values())
      expect(resources).toEqual([table, { "Fn::Join": ["", [table, "/index/*"]] }]);
  });

  it("tells every function that stores or shows comments the retention", () => {
    for (const handler of READERS)
      expect(environmentOf(functionFor(retained, handler)[1])[EnvName.commentRetentionDays], handler).toBe("90");
    expect(refOf(environmentOf(functionFor(retained, "responses-api")[1])[EnvName.tableName])).toBe(tableId(retained));
  });
});

describe("commentRetentionDays absent", () => {
  it("has no comment-retention function or schedule, and no function is told a retention", () => {
    expect(() => functionFor(forever, "comment-retention")).toThrow("found 0");
    expect(JSON.stringify(forever.findResources("AWS::Events::Rule"))).not.toContain("cron(30 3");
    for (const [, fn] of resourcesOf(forever, "AWS::Lambda::Function"))
      expect(environmentOf(fn)).not.toHaveProperty(EnvName.commentRetentionDays);
  });
});

describe("stage config", () => {
  it("takes a positive whole number of days", () => {
    for (const commentRetentionDays of [0, -1, 1.5, "30"])
      expect(() => loadStageConfig("dev", { dev: { commentRetentionDays, eventArchiveRetentionDays: 1 } })).toThrow(
        "stages.dev.commentRetentionDays",
      );
    expect(loadStageConfig("dev", { dev: { commentRetentionDays: 30, eventArchiveRetentionDays: 30 } })).toMatchObject({
      commentRetentionDays: 30,
    });
  });

  it("refuses an event archive that would keep comments longer than the retention", () => {
    for (const eventArchiveRetentionDays of [0, 365])
      expect(() => loadStageConfig("dev", { dev: { commentRetentionDays: 30, eventArchiveRetentionDays } })).toThrow(
        "stages.dev.eventArchiveRetentionDays: must be 1-30 when commentRetentionDays is 30",
      );
  });
});

describe("the erasure promise (erasurePromiseDays, default 30)", () => {
  it("bounds what an erasure cannot reach: archived events, point-in-time backups, dead letters", () => {
    forever.hasResourceProperties("AWS::Events::Archive", { RetentionDays: 30 });
    forever.hasResourceProperties("AWS::DynamoDB::Table", {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 30 },
    });
    const queues = resourcesOf(forever, "AWS::SQS::Queue");
    const deadLetterIds = new Set(
      queues.filter(([, queue]) => queue.Properties.RedrivePolicy).map(([, queue]) => deadLetterQueueOf(queue)),
    );
    expect(deadLetterIds.size).toBeGreaterThanOrEqual(4);
    for (const [id, queue] of queues)
      if (deadLetterIds.has(id)) expect(queue.Properties.MessageRetentionPeriod, id).toBe(14 * 86_400);
  });
});
