import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import type { HandlerName } from "../lambdas/contracts/routes";
import { loadStageConfig, type StageConfig } from "../lib/config";
import { HANDLER_METADATA_KEY } from "../lib/constructs/bundling";
import { CxloopStack } from "../lib/cxloop-stack";

export type Intrinsic = unknown;
interface Resource {
  Type: string;
  Properties?: Record<string, Intrinsic>;
  Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, Resource>;
}

export interface TableSpec {
  logicalId: string;
  properties: Record<string, unknown>;
}
export interface QueueSpec {
  logicalId: string;
  visibilityTimeoutSeconds: number;
  deadLetter?: { queueLogicalId: string; maxReceiveCount: number };
}
export interface FunctionSpec {
  logicalId: string;
  handler: HandlerName;
  timeoutSeconds: number;
  /** What Lambda bills GB-seconds by (and sizes the sandbox by on AWS). */
  memoryMb: number;
  /** Whether Lambda writes its own START and REPORT lines to the function's logs (system log level INFO or DEBUG). */
  platformLogs: boolean;
  environment: Record<string, Intrinsic>;
  /** ReservedConcurrentExecutions: the most sandboxes the function may run at once, when the template caps it. */
  reservedConcurrency?: number;
}
export interface QueueMappingSpec {
  logicalId: string;
  queueLogicalId: string;
  functionLogicalId: string;
  batchSize: number;
  batchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency: the most batches the mapping has in flight at once, when the template caps it. */
  maximumConcurrency?: number;
}
export interface RouteSpec {
  routeKey: string;
  functionLogicalId: string;
}
export interface CorsSpec {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  maxAgeSeconds?: number;
}
export type TargetSpec =
  | { kind: "lambda"; id: string; functionLogicalId: string; input?: string }
  | { kind: "sqs"; id: string; queueLogicalId: string; input?: string };
export interface RuleSpec {
  logicalId: string;
  busName: string;
  eventPattern?: Record<string, unknown>;
  scheduleExpression?: string;
  /** IANA zone a Scheduler schedule's cron runs in (EventBridge rules always run in UTC). */
  scheduleTimeZone?: string;
  enabled: boolean;
  targets: TargetSpec[];
}

/** An event archive: what it keeps is billed by the byte as it arrives. */
export interface ArchiveSpec {
  logicalId: string;
  busName: string;
  /** Absent: every event on the bus. */
  eventPattern?: Record<string, unknown>;
}

/** The parts of a synthesized stack the local runtime emulates. */
export interface Topology {
  tables: TableSpec[];
  queues: QueueSpec[];
  functions: FunctionSpec[];
  queueMappings: QueueMappingSpec[];
  routes: RouteSpec[];
  cors?: CorsSpec;
  buses: { logicalId: string; name: string }[];
  rules: RuleSpec[];
  archives: ArchiveSpec[];
}

/**
 * Synthesizes the stack in process exactly as `cdk synth` would for the stage,
 * minus asset bundling (the local runtime runs the TypeScript sources).
 */
export function synthesizeTemplate(options: {
  stage: string;
  cdkJsonPath: string;
  adjust?: (config: StageConfig) => StageConfig;
  extend?: (stack: CxloopStack) => void;
}): CfnTemplate {
  const cdkJson = JSON.parse(readFileSync(options.cdkJsonPath, "utf8")) as { context?: Record<string, unknown> };
  const context = cdkJson.context ?? {};
  const loaded = loadStageConfig(options.stage, context.stages);
  const config = options.adjust ? options.adjust(loaded) : loaded;
  // Neither bundled (the runtime bundles the handlers itself, see handler-bundles.ts) nor run through aws-cdk-lib's
  // built-in CloudFormation validation (a wasm engine, ~6 s a synth; `npm run synth` runs it): a start takes seconds.
  const app = new App({
    context: { ...context, "aws:cdk:bundling-stacks": [] },
    outdir: undefined,
    builtinCloudFormationValidation: false,
  });
  const stack = new CxloopStack(app, `Cxloop-${options.stage}`, { config });
  options.extend?.(stack);
  const assembly = app.synth();
  return assembly.getStackByName(stack.stackName).template as CfnTemplate;
}

const refOf = (value: Intrinsic): string | undefined =>
  value && typeof value === "object" && "Ref" in value ? String((value as { Ref: unknown }).Ref) : undefined;
const getAttOf = (value: Intrinsic): string | undefined => {
  if (!value || typeof value !== "object" || !("Fn::GetAtt" in value)) return undefined;
  const [logicalId] = (value as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"];
  return logicalId;
};
/** A resource named by Ref or GetAtt (the only ways this stack wires resources together). */
export const referencedId = (value: Intrinsic) => refOf(value) ?? getAttOf(value);

function integrationFunction(template: CfnTemplate, routeTarget: Intrinsic): string | undefined {
  const join = (routeTarget as { "Fn::Join"?: [string, Intrinsic[]] })["Fn::Join"];
  const integrationId = join ? join[1].map(refOf).find(Boolean) : undefined;
  const integration = integrationId ? template.Resources[integrationId] : undefined;
  return integration ? referencedId(integration.Properties?.IntegrationUri) : undefined;
}

export function readTopology(template: CfnTemplate): Topology {
  const entries = Object.entries(template.Resources);
  const ofType = (type: string) => entries.filter(([, resource]) => resource.Type === type);
  const props = (resource: Resource) => resource.Properties ?? {};

  const buses = ofType("AWS::Events::EventBus").map(([logicalId, resource]) => ({
    logicalId,
    name: String(props(resource).Name),
  }));
  const busName = (value: Intrinsic) => {
    if (value === undefined) return "default";
    const id = referencedId(value);
    return id ? (buses.find((bus) => bus.logicalId === id)?.name ?? id) : String(value);
  };

  const functions = ofType("AWS::Lambda::Function").flatMap(([logicalId, resource]) => {
    const handler = resource.Metadata?.[HANDLER_METADATA_KEY];
    if (typeof handler !== "string") return [];
    const environment = (props(resource).Environment as { Variables?: Record<string, Intrinsic> } | undefined)
      ?.Variables;
    return [
      {
        logicalId,
        handler: handler as HandlerName,
        timeoutSeconds: Number(props(resource).Timeout ?? 3),
        memoryMb: Number(props(resource).MemorySize ?? 128),
        platformLogs: ["INFO", "DEBUG"].includes(
          (props(resource).LoggingConfig as { SystemLogLevel?: string } | undefined)?.SystemLogLevel ?? "INFO",
        ),
        environment: environment ?? {},
        ...(props(resource).ReservedConcurrentExecutions === undefined
          ? {}
          : { reservedConcurrency: Number(props(resource).ReservedConcurrentExecutions) }),
      },
    ];
  });

  const api = ofType("AWS::ApiGatewayV2::Api")[0]?.[1];
  const corsConfig = api ? (props(api).CorsConfiguration as Record<string, unknown> | undefined) : undefined;

  return {
    tables: ofType("AWS::DynamoDB::Table").map(([logicalId, resource]) => ({ logicalId, properties: props(resource) })),
    queues: ofType("AWS::SQS::Queue").map(([logicalId, resource]) => {
      const redrive = props(resource).RedrivePolicy as
        | { deadLetterTargetArn: Intrinsic; maxReceiveCount: number }
        | undefined;
      const deadLetterId = redrive ? referencedId(redrive.deadLetterTargetArn) : undefined;
      return {
        logicalId,
        visibilityTimeoutSeconds: Number(props(resource).VisibilityTimeout ?? 30),
        ...(redrive && deadLetterId
          ? { deadLetter: { queueLogicalId: deadLetterId, maxReceiveCount: Number(redrive.maxReceiveCount) } }
          : {}),
      };
    }),
    functions,
    queueMappings: ofType("AWS::Lambda::EventSourceMapping").flatMap(([logicalId, resource]) => {
      const p = props(resource);
      const queueLogicalId = referencedId(p.EventSourceArn);
      const functionLogicalId = referencedId(p.FunctionName);
      if (!queueLogicalId || !functionLogicalId || template.Resources[queueLogicalId]?.Type !== "AWS::SQS::Queue")
        return [];
      const maximumConcurrency = (p.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency;
      return [
        {
          logicalId,
          queueLogicalId,
          functionLogicalId,
          batchSize: Number(p.BatchSize ?? 10),
          batchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
          reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes(
            "ReportBatchItemFailures",
          ),
          ...(maximumConcurrency === undefined ? {} : { maximumConcurrency: Number(maximumConcurrency) }),
        },
      ];
    }),
    routes: ofType("AWS::ApiGatewayV2::Route").flatMap(([, resource]) => {
      const functionLogicalId = integrationFunction(template, props(resource).Target);
      return functionLogicalId ? [{ routeKey: String(props(resource).RouteKey), functionLogicalId }] : [];
    }),
    ...(corsConfig
      ? {
          cors: {
            allowOrigins: (corsConfig.AllowOrigins as string[] | undefined) ?? [],
            allowMethods: (corsConfig.AllowMethods as string[] | undefined) ?? [],
            allowHeaders: (corsConfig.AllowHeaders as string[] | undefined) ?? [],
            maxAgeSeconds: corsConfig.MaxAge as number | undefined,
          },
        }
      : {}),
    buses,
    archives: ofType("AWS::Events::Archive").map(([logicalId, resource]) => {
      const p = props(resource);
      return {
        logicalId,
        // The bus by reference, or by its ARN (`…:event-bus/<name>`).
        busName: typeof p.SourceArn === "string" ? (p.SourceArn.split("/").pop() as string) : busName(p.SourceArn),
        ...(p.EventPattern ? { eventPattern: p.EventPattern as Record<string, unknown> } : {}),
      };
    }),
    rules: [
      ...ofType("AWS::Events::Rule").map(([logicalId, resource]): RuleSpec => {
        const p = props(resource);
        const targets = ((p.Targets as Record<string, Intrinsic>[] | undefined) ?? []).flatMap(
          (target): TargetSpec[] => {
            const id = String(target.Id);
            const input = typeof target.Input === "string" ? target.Input : undefined;
            const targetId = referencedId(target.Arn);
            const type = targetId ? template.Resources[targetId]?.Type : undefined;
            if (targetId && type === "AWS::Lambda::Function")
              return [{ kind: "lambda", id, functionLogicalId: targetId, ...(input ? { input } : {}) }];
            if (targetId && type === "AWS::SQS::Queue")
              return [{ kind: "sqs", id, queueLogicalId: targetId, ...(input ? { input } : {}) }];
            return [];
          },
        );
        return {
          logicalId,
          busName: busName(p.EventBusName),
          ...(p.EventPattern ? { eventPattern: p.EventPattern as Record<string, unknown> } : {}),
          ...(p.ScheduleExpression ? { scheduleExpression: String(p.ScheduleExpression) } : {}),
          enabled: p.State !== "DISABLED",
          targets,
        };
      }),
      ...ofType("AWS::Scheduler::Schedule").map(([logicalId, resource]): RuleSpec => {
        const p = props(resource);
        const target = p.Target as Record<string, Intrinsic>;
        const functionLogicalId = referencedId(target.Arn);
        const input = typeof target.Input === "string" ? target.Input : undefined;
        return {
          logicalId,
          busName: "default",
          scheduleExpression: String(p.ScheduleExpression),
          ...(p.ScheduleExpressionTimezone ? { scheduleTimeZone: String(p.ScheduleExpressionTimezone) } : {}),
          enabled: p.State !== "DISABLED",
          targets:
            functionLogicalId && template.Resources[functionLogicalId]?.Type === "AWS::Lambda::Function"
              ? [{ kind: "lambda", id: "Target0", functionLogicalId, ...(input ? { input } : {}) }]
              : [],
        };
      }),
    ],
  };
}
