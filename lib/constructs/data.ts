import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { EventBus } from "aws-cdk-lib/aws-events";
import { type Grant, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../lambdas/contracts/events";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { API_KEYS_PARTITION, RATE_COUNTERS_PREFIX, TableKeys } from "../../lambdas/contracts/table";
import type { CxFunction } from "./function";
import { acknowledgeWildcardResource } from "./nag";

export interface DataProps {
  eventBusName: string;
  eventArchiveRetentionDays: number;
  /** Days a comment is kept; every reader of the table hides older ones. Absent: forever. */
  commentRetentionDays?: number;
  /** The time zone the table's metrics days are counted in. */
  metricsTimeZone: string;
  /** Answers below which metrics, changes and drivers are flagged insufficient, never significant. */
  minResponses: number;
  /** Days of point-in-time backups (1-35): a restore could bring an erased customer back from within them. */
  pointInTimeRecoveryDays: number;
}

/**
 * The stateful part: one table (responses, customers, cases, aggregates) and the event bus with
 * its archive. Both are retained when the stack is deleted.
 */
export class Data extends Construct {
  readonly table: Table;
  readonly bus: EventBus;
  readonly commentRetentionDays: number | undefined;
  private readonly readingRules: Record<string, string>;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: TableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TableKeys.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: props.pointInTimeRecoveryDays,
      },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TableKeys.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    for (const index of Object.values(TableKeys.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    this.commentRetentionDays = props.commentRetentionDays;
    this.readingRules = {
      [EnvName.metricsTimeZone]: props.metricsTimeZone,
      [EnvName.minResponses]: String(props.minResponses),
      ...(props.commentRetentionDays ? { [EnvName.commentRetentionDays]: String(props.commentRetentionDays) } : {}),
    };

    this.bus = new EventBus(this, "Bus", { eventBusName: props.eventBusName });
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.bus.archive("Archive", {
      description: "Every cxloop event, for replay",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.eventArchiveRetentionDays > 0 ? Duration.days(props.eventArchiveRetentionDays) : undefined,
    });
  }

  /**
   * Grants the actions on the table and its indexes, and gives the function the table's name and the rules
   * every reader must apply: a function that can read a comment past retention, count a day in the
   * wrong time zone or call a change from too few answers significant, is one that was granted the table without them.
   */
  grantTable(fn: CxFunction, ...actions: string[]): Grant {
    this.tellTable(fn);
    acknowledgeWildcardResource(
      fn,
      `${this.table.tableArn}/index/*`,
      "Table.grant adds <table>/index/* so that Query reaches the table's own global secondary indexes (TableKeys.indexes); it spans only this table's indexes, and the item actions granted with it do not apply to an index.",
    );
    return this.table.grant(fn.fn, ...actions);
  }

  /** Lets the function publish to the bus, and tells it the bus's name. */
  grantPutEvents(fn: CxFunction): Grant {
    fn.addEnvironment(EnvName.eventBusName, this.bus.eventBusName);
    return this.bus.grantPutEventsTo(fn.fn);
  }

  /**
   * What letting a request in takes, and no more: read a managed key and record its use, add to a
   * rate counter. The condition holds the function to those items' partitions.
   */
  grantAccessChecks(fn: CxFunction): void {
    this.tellTable(fn);
    fn.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        resources: [this.table.tableArn],
        conditions: {
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [API_KEYS_PARTITION, `${RATE_COUNTERS_PREFIX}*`] },
        },
      }),
    );
  }

  private tellTable(fn: CxFunction): void {
    fn.addEnvironment(EnvName.tableName, this.table.tableName);
    for (const [name, value] of Object.entries(this.readingRules)) fn.addEnvironment(name, value);
  }
}
