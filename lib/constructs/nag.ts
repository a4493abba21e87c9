import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import { type ApiRoute, ROUTES, type RouteSpec } from "../../lambdas/contracts/routes";

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource granted under `scope` (test/infra/nag.test.ts
 * fails on any finding not acknowledged). cdk-nag names the finding by the resource as the policy holds it, intrinsics
 * flattened (`<DataTable1234.Arn>/index/*`, `arn:<AWS::Partition>:ses:...`), and that text changes with logical ids and
 * with the stack's environment, so it is derived from the same value the grant used rather than written out.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const finding = flattenReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
}

/** cdk-nag's rendering of a resolved value (its `flattenCfnReference`, which the package does not export). */
function flattenReference(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value.replace(/\$\{/g, "<").replace(/\}/g, ">");
  const node = value as Record<string, unknown>;
  if (node["Fn::Join"]) {
    const [delimiter, items] = node["Fn::Join"] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (node["Fn::Sub"]) return flattenReference(node["Fn::Sub"]);
  if (node["Fn::GetAtt"]) {
    const [resource, attribute] = node["Fn::GetAtt"] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (node["Fn::ImportValue"]) return flattenReference(node["Fn::ImportValue"]);
  if (node.Ref) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(value);
}

/** Acknowledges AwsSolutions-IAM4 on a function whose role has AWS's basic execution policy, which only writes its logs. */
export function acknowledgeBasicExecutionRole(fn: IConstruct): void {
  Validations.of(fn).acknowledge({
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    reason:
      "AWSLambdaBasicExecutionRole allows only logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents, what the runtime needs to write the function's logs; AWS maintains it with the Lambda service.",
  });
}

/**
 * Acknowledges AwsSolutions-APIG4 (no API Gateway authorizer) on one route, with the authorization it has instead:
 * its function checks the caller's API key for the scope the route registry gives the route.
 */
export function acknowledgeAuthorizedByFunction(route: IConstruct, routeKey: ApiRoute): void {
  const spec = Object.values(ROUTES as Record<string, RouteSpec>).find((candidate) => candidate.key === routeKey);
  if (!spec) throw new Error(`route ${routeKey} is not in the route registry`);
  Validations.of(route).acknowledge({
    id: "AwsSolutions-APIG4",
    reason:
      spec.scope === "public"
        ? `${routeKey} is public by design: the route registry marks it 'public', which is kept for what any client may read without a key (the OpenAPI document), never customer data.`
        : `${routeKey} is authorized in its function, before anything else runs: httpHandler checks the caller's API key (kept only as its SHA-256 hash) for the '${spec.scope}' scope the route registry gives the route, and answers 401 or 403.`,
  });
}
