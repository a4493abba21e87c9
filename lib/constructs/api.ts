import { CfnOutput, Stack } from "aws-cdk-lib";
import { type CfnStage, CorsHttpMethod, HttpApi, type HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { PeopleAuth } from "../../lambdas/contracts/auth";
import {
  type ApiRoute,
  type HandlerName,
  ROUTE_HANDLERS,
  ROUTES,
  type RouteSpec,
} from "../../lambdas/contracts/routes";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import type { Data } from "./data";
import type { CxFunction } from "./function";
import { acknowledgeAuthorizedByFunction } from "./nag";

export interface ApiProps {
  apiKeys: StageConfig["apiKeys"];
  allowedOrigins: readonly string[];
  abuseControl: StageConfig["abuseControl"];
  /** How a signed-in person's token is verified. */
  peopleAuth: PeopleAuth;
  /** Where managed keys and rate counters are kept. */
  data: Data;
  /** The stage-wide throttle (requests per second, burst). */
  throttle: StageConfig["throttle"];
  /** How long the access log is kept. */
  logRetention: RetentionDays;
  /** The function serving each handler name that has routes. */
  functions: Partial<Record<HandlerName, CxFunction>>;
}

/**
 * The public HTTP API (payload format 2.0): every route of the registry (`ROUTES`), with CORS for web forms.
 * Each function it integrates is given the keys, origins, limits and token issuer it checks requests against, and
 * the table access that takes (a managed key is read, its use recorded; a rate counter is added to),
 * so none can miss them.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "cxloop public API",
      corsPreflight:
        props.allowedOrigins.length > 0
          ? {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.PATCH,
                CorsHttpMethod.DELETE,
                CorsHttpMethod.OPTIONS,
              ],
              allowHeaders: [
                "authorization",
                "content-type",
                "x-api-key",
                // The headers routes document, e.g. Idempotency-Key.
                ...new Set(
                  Object.values(ROUTES as Record<string, RouteSpec>).flatMap((route) =>
                    (route.headers ?? []).map((header) => header.name.toLowerCase()),
                  ),
                ),
              ],
            }
          : undefined,
    });

    const integrations = new Map<HandlerName, HttpLambdaIntegration>();
    for (const [routeKey, handlerName] of Object.entries(ROUTE_HANDLERS) as [ApiRoute, HandlerName][]) {
      const fn = props.functions[handlerName];
      if (!fn) throw new Error(`route ${routeKey} needs the '${handlerName}' function`);
      const integration = integrations.get(handlerName) ?? this.integrate(handlerName, fn, props);
      integrations.set(handlerName, integration);
      const [method, path] = routeKey.split(" ") as [HttpMethod, string];
      for (const route of this.httpApi.addRoutes({ path, methods: [method], integration }))
        acknowledgeAuthorizedByFunction(route, routeKey);
    }

    // The default stage takes neither a throttle nor an access log through its props: set them on the resource.
    const stage = this.httpApi.defaultStage?.node.defaultChild as CfnStage;
    stage.defaultRouteSettings = {
      throttlingRateLimit: props.throttle.rateLimit,
      throttlingBurstLimit: props.throttle.burstLimit,
    };
    const accessLog = new LogGroup(this, "AccessLog", { retention: props.logRetention });
    // Who asked what, how it ended and how long it took; no headers, query strings or bodies (keys, personal data).
    stage.accessLogSettings = {
      destinationArn: accessLog.logGroupArn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        time: "$context.requestTime",
        sourceIp: "$context.identity.sourceIp",
        routeKey: "$context.routeKey",
        status: "$context.status",
        responseLength: "$context.responseLength",
        latencyMs: "$context.responseLatency",
        integrationError: "$context.integrationErrorMessage",
      }),
    };

    new CfnOutput(this, "ApiUrl", { value: this.httpApi.apiEndpoint, description: "Base URL of the cxloop API" });
  }

  private integrate(handlerName: HandlerName, fn: CxFunction, props: ApiProps): HttpLambdaIntegration {
    fn.addEnvironment(EnvName.apiKeys, JSON.stringify(props.apiKeys));
    fn.addEnvironment(EnvName.allowedOrigins, JSON.stringify(props.allowedOrigins));
    fn.addEnvironment(EnvName.abuseControl, JSON.stringify(props.abuseControl));
    fn.addEnvironment(EnvName.peopleAuth, Stack.of(this).toJsonString(props.peopleAuth));
    props.data.grantAccessChecks(fn);
    return new HttpLambdaIntegration(`${handlerName}Integration`, fn.fn);
  }
}
