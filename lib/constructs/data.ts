import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../lambdas/contracts/events";
import { TableKeys } from "../../lambdas/contracts/table";

export interface DataProps {
  eventBusName: string;
  eventArchiveRetentionDays: number;
}

/**
 * The stateful part: one table (responses, customers, later cases and aggregates)
 * and the event bus with its archive. Both are retained when the stack is deleted.
 */
export class Data extends Construct {
  readonly table: Table;
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: TableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TableKeys.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
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

    this.bus = new EventBus(this, "Bus", { eventBusName: props.eventBusName });
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.bus.archive("Archive", {
      description: "Every cxloop event, for replay",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.eventArchiveRetentionDays > 0 ? Duration.days(props.eventArchiveRetentionDays) : undefined,
    });
  }
}
