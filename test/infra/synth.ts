import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { type StageConfig, stageConfigSchema } from "../../lib/config";
import { HANDLER_METADATA_KEY } from "../../lib/constructs/bundling";
import { CxloopStack } from "../../lib/cxloop-stack";

/** A resource of the synthesized template. */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/**
 * The feature flags `cdk synth` reads from cdk.json. A bare `new App()` leaves them out, and some change
 * the template (`@aws-cdk/aws-iam:minimizePolicies` merges and sorts IAM statements), so the tests
 * synthesize with them to assert on what actually deploys.
 */
export function cdkJsonFeatureFlags(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context?: Record<string, unknown>;
  };
  return Object.fromEntries(Object.entries(cdkJson.context ?? {}).filter(([key]) => key.startsWith("@aws-cdk/")));
}

/**
 * Validates `input` as a stage config and synthesizes the whole stack from it. Assets are not bundled: these tests
 * read the template, never a bundle's contents, and bundling every function for every stack was most of their
 * time (`npm run synth` in CI and the bench still bundle them all). Nor is the template run through aws-cdk-lib's
 * built-in CloudFormation validation (a wasm engine, ~6 s a synth): `npm run synth` in CI runs it.
 */
export function synthesize(input: unknown, id = "Test"): { config: StageConfig; template: Template } {
  const config = stageConfigSchema.parse(input);
  const app = new App({
    context: { ...cdkJsonFeatureFlags(), "aws:cdk:bundling-stacks": [] },
    builtinCloudFormationValidation: false,
  });
  const stack = new CxloopStack(app, id, { config });
  return { config, template: Template.fromStack(stack) };
}

export const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as [string, CfnResource][];

export function resourceById(template: Template, id: string): CfnResource {
  const found = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources[id];
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
}

/** The logical id in `{ Ref: id }`. */
export function refOf(value: unknown): string {
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref !== "string") throw new Error(`expected { Ref }, got ${JSON.stringify(value)}`);
  return ref;
}

/** The logical id in `{ "Fn::GetAtt": [id, attribute] }`, checking the attribute. */
export function getAttOf(value: unknown, attribute: string): string {
  const getAtt = (value as { "Fn::GetAtt"?: unknown } | undefined)?.["Fn::GetAtt"];
  if (!Array.isArray(getAtt) || getAtt[1] !== attribute || typeof getAtt[0] !== "string")
    throw new Error(`expected { "Fn::GetAtt": [id, "${attribute}"] }, got ${JSON.stringify(value)}`);
  return getAtt[0];
}

export const arnOf = (id: string) => ({ "Fn::GetAtt": [id, "Arn"] });

/** The one function whose `cxloop:handler` metadata names `handler`, as [logicalId, resource]. */
export function functionFor(template: Template, handler: HandlerName): [string, CfnResource] {
  const found = resourcesOf(template, "AWS::Lambda::Function").filter(
    ([, fn]) => fn.Metadata?.[HANDLER_METADATA_KEY] === handler,
  );
  if (found.length !== 1 || !found[0]) throw new Error(`expected one function for ${handler}, found ${found.length}`);
  return found[0];
}

/** The functions `CxFunction` made (they carry `cxloop:handler`), as [logicalId, resource]. */
export const cxloopFunctionsOf = (template: Template) =>
  resourcesOf(template, "AWS::Lambda::Function").filter(
    ([, fn]) => typeof fn.Metadata?.[HANDLER_METADATA_KEY] === "string",
  );

/** The function aws-cdk-lib's BucketDeployment copies the console's files with, as the deployment's ServiceToken names it. */
export function siteDeploymentHandlerOf(template: Template): [string, CfnResource] {
  const deployments = resourcesOf(template, "Custom::CDKBucketDeployment");
  if (deployments.length !== 1 || !deployments[0])
    throw new Error(`expected one deployment, found ${deployments.length}`);
  const id = getAttOf(deployments[0][1].Properties.ServiceToken, "Arn");
  return [id, resourceById(template, id)];
}

/**
 * The text a value builds: a string, or an `Fn::Join` or `Fn::Sub` with each `Ref` written `${id}` and each
 * `Fn::GetAtt` `${id.attribute}`, as `Fn::Sub` writes them.
 */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  const node = (value ?? {}) as Record<string, unknown>;
  const join = node["Fn::Join"] as [string, unknown[]] | undefined;
  if (join) return join[1].map(textOf).join(join[0]);
  if (typeof node["Fn::Sub"] === "string") return node["Fn::Sub"];
  if (typeof node.Ref === "string") return `\${${node.Ref}}`;
  const getAtt = node["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return `\${${getAtt.join(".")}}`;
  throw new Error(`expected a string, Ref, Fn::GetAtt or Fn::Join, got ${JSON.stringify(value)}`);
}

/** The logical id of the role a function runs as, read from its `Role: { "Fn::GetAtt": [role, "Arn"] }`. */
export const roleOf = (fn: CfnResource) => getAttOf(fn.Properties.Role, "Arn");

/** Each SQS event-source mapping with the queue it reads and the function it invokes, by logical id. */
export function queueMappingsOf(template: Template) {
  return resourcesOf(template, "AWS::Lambda::EventSourceMapping").map(([id, mapping]) => ({
    id,
    mapping,
    queueId: getAttOf(mapping.Properties.EventSourceArn, "Arn"),
    functionId: refOf(mapping.Properties.FunctionName),
  }));
}

/** The queue that feeds the handler's function, as [logicalId, resource]. */
export function queueFor(template: Template, handler: HandlerName): [string, CfnResource] {
  const [functionId] = functionFor(template, handler);
  const found = queueMappingsOf(template).filter((m) => m.functionId === functionId);
  if (found.length !== 1 || !found[0]) throw new Error(`expected one queue for ${handler}, found ${found.length}`);
  return [found[0].queueId, resourceById(template, found[0].queueId)];
}

/** The logical id of a queue's dead-letter queue, from its redrive policy. */
export const deadLetterQueueOf = (queue: CfnResource) =>
  getAttOf(
    (queue.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
    "Arn",
  );

export const environmentOf = (fn: CfnResource) =>
  ((fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
    string,
    unknown
  >;
