import { Duration } from "aws-cdk-lib";
import { Architecture, type CfnFunction, LoggingFormat, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { HANDLER_METADATA_KEY, handlerEntry, LAMBDA_BUNDLING } from "./bundling";

export interface CxFunctionProps {
  handler: HandlerName;
  description: string;
  logRetention: RetentionDays;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
}

/**
 * Every cxloop function: Node.js 22 on arm64, esbuild-bundled ESM with source
 * maps, X-Ray tracing, JSON logs in a retained log group, Powertools settings.
 * Caller environment is merged over the defaults, never dropped.
 */
export class CxFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: CxFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, "Logs", { retention: props.logRetention });
    this.fn = new NodejsFunction(this, "Function", {
      entry: handlerEntry(props.handler),
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: `cxloop-${props.handler}`,
        POWERTOOLS_METRICS_NAMESPACE: "cxloop",
        POWERTOOLS_LOG_LEVEL: "INFO",
        ...props.environment,
      },
      bundling: {
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        target: LAMBDA_BUNDLING.target,
        format: OutputFormat.ESM,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        externalModules: [...LAMBDA_BUNDLING.external],
        banner: LAMBDA_BUNDLING.banner,
      },
    });
    // Lets the local runtime run the same handler source for this function from the synthesized template.
    (this.fn.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.handler);
  }
}
