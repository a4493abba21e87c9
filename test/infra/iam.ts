import type { Template } from "aws-cdk-lib/assertions";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { functionFor, resourcesOf, roleOf } from "./synth";

/** A policy statement with Action/NotAction/Resource always as arrays (IAM allows a string or a list). */
export interface Statement {
  /** Where the statement lives, e.g. `EnrichRoleDefaultPolicy` or `Queue.PolicyDocument`, for failure messages. */
  where: string;
  effect: string;
  actions: string[];
  notActions: string[];
  resources: unknown[];
  notResources: unknown[];
  principal?: unknown;
  condition?: unknown;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function statementsIn(document: unknown, where: string): Statement[] {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  return list(statements as Record<string, unknown> | Record<string, unknown>[] | undefined).map((statement) => ({
    where,
    effect: String(statement.Effect),
    actions: list(statement.Action as string | string[] | undefined),
    notActions: list(statement.NotAction as string | string[] | undefined),
    resources: list(statement.Resource),
    notResources: list(statement.NotResource),
    principal: statement.Principal,
    condition: statement.Condition,
  }));
}

const inlinePolicies = (properties: Record<string, unknown>, where: string) =>
  list(properties.Policies as { PolicyDocument?: unknown; PolicyName?: string }[] | undefined).flatMap((policy) =>
    statementsIn(policy.PolicyDocument, `${where}.Policies.${policy.PolicyName ?? "?"}`),
  );

/**
 * Every statement attached to a role: the AWS::IAM::Policy and AWS::IAM::ManagedPolicy resources that list
 * the role under `Roles`, plus the role's own inline `Policies`. AWS managed policies (by ARN) are not
 * in the template; see `managedPolicyArnsOf`.
 */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const [role] = resourcesOf(template, "AWS::IAM::Role").filter(([id]) => id === roleId);
  if (!role) throw new Error(`no AWS::IAM::Role ${roleId}`);
  const attached = ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"].flatMap((type) =>
    resourcesOf(template, type)
      .filter(([, policy]) =>
        list(policy.Properties.Roles as unknown[] | undefined).some(
          (ref) => (ref as { Ref?: unknown } | undefined)?.Ref === roleId,
        ),
      )
      .flatMap(([id, policy]) => statementsIn(policy.Properties.PolicyDocument, id)),
  );
  return [...attached, ...inlinePolicies(role[1].Properties, roleId)];
}

export const managedPolicyArnsOf = (template: Template, roleId: string) =>
  list(resourcesOf(template, "AWS::IAM::Role").find(([id]) => id === roleId)?.[1].Properties.ManagedPolicyArns);

/**
 * Every policy statement anywhere in the template: identity policies, role inline and trust policies,
 * and resource policies (queue, topic, secret, bus, key...).
 */
export function allStatements(template: Template): Statement[] {
  const resources = (template.toJSON() as { Resources: Record<string, { Properties?: Record<string, unknown> }> })
    .Resources;
  return Object.entries(resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    return [
      ...["PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy", "ResourcePolicy"].flatMap((key) =>
        typeof properties[key] === "object" ? statementsIn(properties[key], `${id}.${key}`) : [],
      ),
      ...inlinePolicies(properties, id),
    ];
  });
}

/**
 * What a set of statements allows: each allowed action with the resources it is allowed on (sorted, deduplicated),
 * independent of how CDK split or merged the statements.
 */
export function allowedActions(statements: Statement[]): Map<string, unknown[]> {
  const allowed = new Map<string, Map<string, unknown>>();
  for (const statement of statements.filter((s) => s.effect === "Allow"))
    for (const action of statement.actions) {
      const resources = allowed.get(action) ?? new Map<string, unknown>();
      for (const resource of statement.resources) resources.set(JSON.stringify(resource), resource);
      allowed.set(action, resources);
    }
  return new Map(
    [...allowed.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([action, resources]) => [
        action,
        [...resources.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, resource]) => resource),
      ]),
  );
}

/** The allowed actions of a role, each with its resources; a grant held by a condition is not counted here. */
export const allowedActionsOf = (template: Template, roleId: string) =>
  allowedActions(statementsOfRole(template, roleId).filter((statement) => statement.condition === undefined));

/** The statements of a role that only apply under a condition. */
export const conditionalStatementsOf = (template: Template, roleId: string) =>
  statementsOfRole(template, roleId).filter((statement) => statement.condition !== undefined);

/** The actions the role of the handler's function is allowed, sorted. */
export const actionsOf = (template: Template, handler: HandlerName) => [
  ...allowedActionsOf(template, roleOf(functionFor(template, handler)[1])).keys(),
];
