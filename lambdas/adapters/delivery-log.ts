import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { alertDeliveryKey } from "../contracts/table";

/** What already went out, per message id and channel, so a retry sends only what is still missing. */
export class DeliveryLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async alertDelivered(id: string, delivery: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: alertDeliveryKey(id, delivery), ConsistentRead: true }),
    );
    return Boolean(Item);
  }

  async recordAlertDelivered(id: string, delivery: string, at: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...alertDeliveryKey(id, delivery), deliveredAt: at.toISOString() },
      }),
    );
  }
}
