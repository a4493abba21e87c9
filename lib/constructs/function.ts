import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, Validations } from "aws-cdk-lib";
import {
  Architecture,
  type CfnFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { HANDLER_METADATA_KEY, handlerEntry, LAMBDA_BUNDLING } from "./bundling";
import { acknowledgeBasicExecutionRole } from "./nag";
import type { Observability } from "./observability";

export interface CxFunctionProps {
  handler: HandlerName;
  description: string;
  logRetention: RetentionDays;
  /** Every function alarms on its errors through it. */
  observability: Observability;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  /**
   * Files the code reads at run time by module path (`createRequire(...).resolve("pkg/file")`), copied
   * into the bundle's own node_modules so they resolve there as they do from the sources.
   */
  shippedFiles?: readonly string[];
  /** Packages a dependency loads lazily on a path this function never takes, left out of its bundle. */
  unbundled?: readonly string[];
}

const nodeModules = fileURLToPath(new URL("../../node_modules/", import.meta.url));

const pascalCase = (name: string) =>
  name
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");

/**
 * Every cxloop function: Node.js 22 on arm64, esbuild-bundled ESM with source maps the runtime
 * applies to stack traces, JSON logs in a retained log group, Powertools settings, and an alarm on
 * its errors. Caller environment is merged over the defaults, never dropped.
 */
export class CxFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: CxFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout ?? Duration.seconds(10);
    const logGroup = new LogGroup(this, "Logs", { retention: props.logRetention });
    this.fn = new NodejsFunction(this, "Function", {
      entry: handlerEntry(props.handler),
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: this.timeout,
      // Nothing records subsegments (no Powertools Tracer), so active tracing would bill X-Ray
      // ($15-25 per million traced responses) for a bare invocation timeline the Lambda metrics already give.
      tracing: Tracing.DISABLED,
      loggingFormat: LoggingFormat.JSON,
      // Lambda's own START and REPORT lines (about 500 bytes an invocation) say what the Duration and Errors
      // metrics already say; above INFO they are not written.
      systemLogLevelV2: SystemLogLevel.WARN,
      logGroup,
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: `cxloop-${props.handler}`,
        POWERTOOLS_METRICS_NAMESPACE: "cxloop",
        POWERTOOLS_LOG_LEVEL: props.observability.logging.level,
        POWERTOOLS_LOGGER_SAMPLE_RATE: String(props.observability.logging.debugSampleRate),
        ...props.environment,
      },
      bundling: {
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        sourcesContent: LAMBDA_BUNDLING.sourcesContent,
        target: LAMBDA_BUNDLING.target,
        format: OutputFormat.ESM,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        externalModules: [...LAMBDA_BUNDLING.external, ...(props.unbundled ?? [])],
        banner: LAMBDA_BUNDLING.banner,
        ...(props.shippedFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_input: string, output: string) =>
                  (props.shippedFiles ?? []).map(
                    (file) =>
                      `mkdir -p "${dirname(join(output, "node_modules", file))}" && cp "${join(nodeModules, file)}" "${join(output, "node_modules", file)}"`,
                  ),
              },
            }
          : {}),
      },
    });
    // cdk-nag (test/infra/nag.test.ts): what every function has by design, acknowledged here so a function
    // added later is covered too.
    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 is the project's designated runtime: development, CI and the tests run the same major (the pinned `node` devDependency), so the runtime moves only with all of them.",
    });
    acknowledgeBasicExecutionRole(this.fn);
    // Lets the local runtime run the same handler source for this function from the synthesized template.
    (this.fn.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA_KEY, props.handler);
    // Named by handler, one function each, so the alarm keeps its logical id wherever the function moves.
    props.observability.alarmOnErrors(`${pascalCase(props.handler)}Errors`, this.fn);
  }

  /** For bindings (a table, a bus, an API) that tell the function what it was given. */
  addEnvironment(name: string, value: string): this {
    this.fn.addEnvironment(name, value);
    return this;
  }
}
