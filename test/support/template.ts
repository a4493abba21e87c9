import type { Template } from "aws-cdk-lib/assertions";

export type CfnResource = {
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
export type PolicyStatement = { Action: string | string[]; Resource: unknown; Effect: string };

export const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as [string, CfnResource][];

/** The function whose `cxloop:handler` metadata names the handler. */
export function functionOf(template: Template, handler: string): [string, CfnResource] {
  const found = resourcesOf(template, "AWS::Lambda::Function").find(
    ([, fn]) => fn.Metadata?.["cxloop:handler"] === handler,
  );
  if (!found) throw new Error(`no function for ${handler}`);
  return found;
}

/** Every statement attached to the handler's role, across the stack's policies. */
export function statementsOf(template: Template, handler: string): PolicyStatement[] {
  const roleId = (functionOf(template, handler)[1].Properties.Role as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
  return resourcesOf(template, "AWS::IAM::Policy")
    .filter(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

/** Data and messaging actions of a handler's role, sorted (the X-Ray actions tracing adds are left out). */
export const actionsOf = (template: Template, handler: string) =>
  statementsOf(template, handler)
    .flatMap((statement) => ([] as string[]).concat(statement.Action))
    .filter((action) => !action.startsWith("xray:"))
    .sort();
