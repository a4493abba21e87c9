import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { API_KEYS_PARTITION, apiKeyKey } from "../contracts/table";
import type { KeyStorePort, StoredKey } from "../core/api-keys";
import { conditionHeld } from "./conditional-write";

const FIELDS = ["id", "name", "scopes", "allowedOrigins", "salt", "hash", "createdAt", "lastUsedAt"] as const;

const fromItem = (item: Record<string, unknown>): StoredKey =>
  Object.fromEntries(FIELDS.map((field) => [field, item[field] ?? null])) as unknown as StoredKey;

/** Managed API keys: salted hashes, never the keys. */
export class KeyStore implements KeyStorePort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(key: StoredKey): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...apiKeyKey(key.id), ...key },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<StoredKey | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: apiKeyKey(id), ConsistentRead: true }),
    );
    return Item && fromItem(Item);
  }

  async list(): Promise<StoredKey[]> {
    const keys: StoredKey[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": API_KEYS_PARTITION },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) keys.push(fromItem(item));
    return keys;
  }

  async delete(id: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: apiKeyKey(id), ReturnValues: "ALL_OLD" }),
    );
    return Attributes !== undefined;
  }

  async touch(id: string, at: Date): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: apiKeyKey(id),
          UpdateExpression: "SET lastUsedAt = :at",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":at": at.toISOString() },
        }),
      ),
    );
  }
}
