import { Annotations, CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { EnvName } from "../lambdas/contracts/runtime-env";
import type { StageConfig } from "./config";
import { Access } from "./constructs/access";
import { ActionPlans } from "./constructs/action-plans";
import { Api } from "./constructs/api";
import { CloseTheLoop } from "./constructs/close-the-loop";
import { Console } from "./constructs/console";
import { Customers } from "./constructs/customers";
import { Data } from "./constructs/data";
import { Exports } from "./constructs/exports";
import { Ingestion } from "./constructs/ingestion";
import { Measurement } from "./constructs/metrics";
import { Observability } from "./constructs/observability";
import { People } from "./constructs/people";
import { Privacy } from "./constructs/privacy";
import { Responses } from "./constructs/responses";
import { Webhooks } from "./constructs/webhooks";

export interface CxloopStackProps extends StackProps {
  config: StageConfig;
}

/** DynamoDB keeps point-in-time backups for 1-35 days. */
const MAX_POINT_IN_TIME_RECOVERY_DAYS = 35;

/** Log retention must be one of CloudWatch's fixed values; pick the shortest that keeps at least the asked days. */
function retentionFor(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter(
    (value): value is number => typeof value === "number" && value > 0,
  );
  return (allowed.sort((a, b) => a - b).find((value) => value >= days) ?? RetentionDays.INFINITE) as RetentionDays;
}

export class CxloopStack extends Stack {
  readonly data: Data;
  readonly ingestion: Ingestion;
  readonly api: Api;
  readonly closeTheLoop: CloseTheLoop;
  readonly people: People;
  readonly console: Console;

  constructor(scope: Construct, id: string, props: CxloopStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retentionFor(config.logRetentionDays);

    if (config.apiKeys.length === 0)
      Annotations.of(this).addWarningV2(
        "cxloop:no-api-keys",
        "No API keys configured for this stage: no one can create the first managed key, and every API request will be refused with 401. Add stages.<stage>.apiKeys in cdk.json.",
      );

    const observability = new Observability(this, "Observability", {
      alertEmails: config.alerts.emails,
      logging: config.logging,
    });
    this.data = new Data(this, "Data", {
      eventBusName: config.eventBusName,
      eventArchiveRetentionDays: config.eventArchiveRetentionDays,
      commentRetentionDays: config.commentRetentionDays,
      metricsTimeZone: config.metricsTimeZone,
      minResponses: config.minResponses,
      // An erased customer could be restored from a backup, so backups reach back no further than the promise.
      pointInTimeRecoveryDays: Math.min(MAX_POINT_IN_TIME_RECOVERY_DAYS, config.erasurePromiseDays),
    });
    const shared = { config, data: this.data, observability, logRetention };

    this.ingestion = new Ingestion(this, "Ingestion", shared);
    const responses = new Responses(this, "Responses", shared);
    this.closeTheLoop = new CloseTheLoop(this, "CloseTheLoop", shared);
    const customers = new Customers(this, "Customers", shared);
    // Its construct id predates the class name, and keeps the logical ids of what it holds.
    const measurement = new Measurement(this, "Metrics", { ...shared, closeTheLoop: this.closeTheLoop });
    if (config.commentRetentionDays) new Privacy(this, "Privacy", shared);

    const access = new Access(this, "Access", shared);
    const webhooks = new Webhooks(this, "Webhooks", { ...shared, closeTheLoop: this.closeTheLoop });
    const exportJobs = new Exports(this, "Exports", shared);
    const actionPlans = new ActionPlans(this, "ActionPlans", shared);
    // Before the API, which verifies people's tokens; the console, made after the API, registers its address with it.
    this.people = new People(this, "People", config.console);

    this.api = new Api(this, "Api", {
      apiKeys: config.apiKeys,
      allowedOrigins: config.allowedOrigins,
      abuseControl: config.abuseControl,
      peopleAuth: this.people.auth,
      data: this.data,
      throttle: config.throttle,
      logRetention,
      functions: {
        intake: this.ingestion.intake,
        hooks: this.ingestion.hooks,
        "responses-api": responses.api,
        "cases-api": this.closeTheLoop.api,
        "customers-api": customers.api,
        "metrics-api": measurement.api,
        "keys-api": access.keysApi,
        "webhooks-api": webhooks.api,
        "exports-api": exportJobs.api,
        "action-plans-api": actionPlans.api,
      },
    });

    this.console = new Console(this, "Console", { httpApi: this.api.httpApi, people: this.people, logRetention });
    // Alerts link to a case's page, the digest to the overview.
    for (const fn of [this.closeTheLoop.notify, measurement.digest])
      fn.addEnvironment(EnvName.consoleUrl, this.console.url);

    new CfnOutput(this, "ConsoleUrl", { value: this.console.url, description: "The cxloop console" });
    new CfnOutput(this, "UserPoolId", {
      value: this.people.userPool.userPoolId,
      description: "The user pool people sign in with: invite them there and put each in viewer, agent or admin",
    });
    new CfnOutput(this, "SignInUrl", {
      value: this.people.signInUrl(this.console.redirectUri),
      description: "The hosted sign-in page, which returns to the console",
    });
  }
}
