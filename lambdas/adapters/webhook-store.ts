import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  TableKeys,
  WEBHOOKS_PARTITION,
  webhookDeliveriesPartition,
  webhookDeliveryKey,
  webhookKey,
} from "../contracts/table";
import type { Delivery, DeliveryMessage } from "../contracts/webhooks";
import type {
  DeliveryLogPort,
  DeliveryQueuePort,
  StoredWebhook,
  WebhookSecret,
  WebhookStorePort,
} from "../core/webhooks";
import { conditionHeld } from "./conditional-write";

const FIELDS = [
  "id",
  "url",
  "events",
  "filter",
  "description",
  "status",
  "disabledReason",
  "disabledAt",
  "createdAt",
  "lastSuccessAt",
  "secrets",
] as const;
const fromItem = (item: Record<string, unknown>): StoredWebhook =>
  Object.fromEntries(FIELDS.map((field) => [field, item[field] ?? null])) as unknown as StoredWebhook;

/** Webhook endpoints, secrets included; the table is encrypted at rest and only the webhook functions read them. */
export class WebhookStore implements WebhookStorePort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(webhook: StoredWebhook): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...webhookKey(webhook.id), ...webhook },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<StoredWebhook | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: webhookKey(id), ConsistentRead: true }),
    );
    return Item && fromItem(Item);
  }

  async list(): Promise<StoredWebhook[]> {
    const webhooks: StoredWebhook[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": WEBHOOKS_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) webhooks.push(fromItem(item));
    return webhooks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async delete(id: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: webhookKey(id), ReturnValues: "ALL_OLD" }),
    );
    return Attributes !== undefined;
  }

  replaceSecrets(id: string, secrets: WebhookSecret[]): Promise<boolean> {
    return this.updateExisting(id, "SET secrets = :secrets", { ":secrets": secrets });
  }

  async recordSuccess(id: string, at: Date): Promise<void> {
    await this.updateExisting(id, "SET lastSuccessAt = :at", { ":at": at.toISOString() });
  }

  enable(id: string): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(id),
          UpdateExpression: "SET #status = :enabled, disabledAt = :null, disabledReason = :null",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":enabled": "enabled", ":null": null },
        }),
      ),
    );
  }

  async disable(id: string, at: Date, reason: string): Promise<string | undefined> {
    const disabledAt = at.toISOString();
    const changed = await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(id),
          UpdateExpression: "SET #status = :disabled, disabledAt = :at, disabledReason = :reason",
          ConditionExpression: "attribute_exists(pk) AND #status = :enabled",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":disabled": "disabled",
            ":enabled": "enabled",
            ":at": disabledAt,
            ":reason": reason,
          },
        }),
      ),
    );
    if (changed) return disabledAt;
    return (await this.get(id))?.disabledAt ?? undefined;
  }

  private updateExisting(id: string, update: string, values: Record<string, unknown>): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: webhookKey(id),
          UpdateExpression: update,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}

/** How long a delivery's log entry is kept. */
const DELIVERY_LOG_DAYS = 30;

const DELIVERY_FIELDS = [
  "id",
  "type",
  "status",
  "attempts",
  "responseStatus",
  "latencyMs",
  "lastError",
  "createdAt",
  "lastAttemptAt",
  "nextAttemptAt",
] as const;
const deliveryOf = (item: Record<string, unknown>): Delivery =>
  Object.fromEntries(DELIVERY_FIELDS.map((field) => [field, item[field] ?? null])) as unknown as Delivery;

export type LogCursor = { pk: string; sk: string };
export const isLogCursor = (value: unknown): value is LogCursor =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as LogCursor).pk === "string" &&
  typeof (value as LogCursor).sk === "string" &&
  (value as LogCursor).sk.startsWith("DELIVERY#");

/** One entry per delivery, rewritten by each attempt: its state now, not every attempt's. */
export class WebhookDeliveryLog implements DeliveryLogPort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(webhookId: string, delivery: Delivery): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...webhookDeliveryKey(webhookId, delivery.createdAt, delivery.id),
          ...delivery,
          [TableKeys.ttlAttribute]: Math.floor(Date.parse(delivery.createdAt) / 1000) + DELIVERY_LOG_DAYS * 86_400,
        },
      }),
    );
  }

  /** Newest first; `cursor` is where the previous page stopped (a cursor of another webhook's log starts afresh). */
  async list(
    webhookId: string,
    limit: number,
    cursor?: LogCursor,
  ): Promise<{ items: Delivery[]; next: LogCursor | null }> {
    const pk = webhookDeliveriesPartition(webhookId);
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": pk, ":prefix": "DELIVERY#" },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor && cursor.pk === pk ? { ExclusiveStartKey: cursor } : {}),
      }),
    );
    return {
      items: (Items ?? []).map(deliveryOf),
      next: LastEvaluatedKey ? { pk: String(LastEvaluatedKey.pk), sk: String(LastEvaluatedKey.sk) } : null,
    };
  }
}

/** The delivery queue (attempts, with their backoff as the message delay) and its dead-letter queue. */
export class WebhookQueue implements DeliveryQueuePort {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string | undefined,
  ) {}

  async enqueue(items: readonly { message: DeliveryMessage; delaySeconds: number }[]): Promise<void> {
    for (let start = 0; start < items.length; start += 10) {
      const chunk = items.slice(start, start + 10);
      const { Failed } = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map(({ message, delaySeconds }, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(message),
            DelaySeconds: delaySeconds,
          })),
        }),
      );
      // The whole chunk is sent again on retry: receivers dedup by webhook-id, so a repeat costs nothing but a request.
      if (Failed?.length) throw new Error(`${Failed.length} delivery message(s) not queued: ${Failed[0]?.Code}`);
    }
  }

  async deadLetter(message: DeliveryMessage): Promise<void> {
    if (!this.deadLetterQueueUrl)
      throw new Error("cxloop configuration error: WEBHOOK_DEAD_LETTER_QUEUE_URL is required");
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.deadLetterQueueUrl, MessageBody: JSON.stringify(message) }),
    );
  }
}
