import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { CUSTOMER_DUPLICATES_PARTITION, customerMatchKey, TableKeys } from "../contracts/table";
import { conditionHeld as held } from "./conditional-write";

const { byTime } = TableKeys.indexes;

const membersOf = (item: Record<string, unknown> | undefined): string[] =>
  item?.members instanceof Set ? [...(item.members as Set<string>)].map(String) : [];

/**
 * The duplicate index: one item per duplicate key (`customerMatchKey`) holding the set of customer ids whose profile
 * has it. Adding and removing a member are atomic set updates; whether the item is listed (GSI1, partition
 * `CUSTOMER_DUPLICATES_PARTITION`) follows, each time, in a second update conditional on the set's size then, so of
 * two concurrent changes the later one decides and the listing matches the set. A crash between the two leaves
 * a key listed with one member (the API skips it) or a pair unlisted until either profile is put again.
 */
export class DuplicateIndex {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Moves the customer from the keys they had to those they have (a repeat is harmless) and answers the other
   * customers under the keys they have.
   */
  async sync(customerId: string, had: readonly string[], has: readonly string[]): Promise<string[]> {
    const gone = had.filter((key) => !has.includes(key));
    const [others] = await Promise.all([
      Promise.all(has.map((key) => this.add(key, customerId))),
      Promise.all(gone.map((key) => this.remove(key, customerId))),
    ]);
    return [...new Set(others.flat())].filter((id) => id !== customerId).sort();
  }

  private async add(key: string, customerId: string): Promise<string[]> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: customerMatchKey(key),
        UpdateExpression: "ADD members :id",
        ExpressionAttributeValues: { ":id": new Set([customerId]) },
        ReturnValues: "ALL_NEW",
      }),
    );
    const members = membersOf(Attributes);
    if (members.length >= 2)
      await held(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: customerMatchKey(key),
            UpdateExpression: "SET #gpk = :partition, #gsk = :key",
            ConditionExpression: "size(members) >= :two",
            ExpressionAttributeNames: { "#gpk": byTime.partitionKey, "#gsk": byTime.sortKey },
            ExpressionAttributeValues: { ":partition": CUSTOMER_DUPLICATES_PARTITION, ":key": key, ":two": 2 },
          }),
        ),
      );
    return members;
  }

  private async remove(key: string, customerId: string): Promise<void> {
    let members: string[] = [];
    const removed = await held(async () => {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: customerMatchKey(key),
          UpdateExpression: "DELETE members :id",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":id": new Set([customerId]) },
          ReturnValues: "ALL_NEW",
        }),
      );
      members = membersOf(Attributes);
    });
    if (!removed) return;
    // An empty set is no attribute: the item goes, so no hash of an erased customer's address stays behind.
    if (members.length === 0)
      await held(() =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: customerMatchKey(key),
            ConditionExpression: "attribute_not_exists(members)",
          }),
        ),
      );
    else if (members.length < 2)
      await held(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: customerMatchKey(key),
            UpdateExpression: "REMOVE #gpk, #gsk",
            ConditionExpression: "attribute_not_exists(members) OR size(members) < :two",
            ExpressionAttributeNames: { "#gpk": byTime.partitionKey, "#gsk": byTime.sortKey },
            ExpressionAttributeValues: { ":two": 2 },
          }),
        ),
      );
  }

  /** The customers under one key, shared or not (a stale member is possible: see the class). */
  async members(key: string): Promise<string[]> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerMatchKey(key), ConsistentRead: true }),
    );
    return membersOf(Item);
  }

  /** A page of the keys listed as shared, with their members. */
  async groups(
    limit: number,
    cursor: Record<string, unknown> | undefined,
  ): Promise<{ groups: { key: string; members: string[] }[]; nextCursor: Record<string, unknown> | null }> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byTime.name,
        KeyConditionExpression: "#gpk = :partition",
        ExpressionAttributeNames: { "#gpk": byTime.partitionKey },
        ExpressionAttributeValues: { ":partition": CUSTOMER_DUPLICATES_PARTITION },
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    );
    return {
      groups: (Items ?? []).map((item) => ({ key: String(item[byTime.sortKey]), members: membersOf(item) })),
      nextCursor: LastEvaluatedKey ?? null,
    };
  }

  /** Whether `cursor` (as a client sent it back) is a key of the listing, the only start key DynamoDB takes here. */
  cursorFits(cursor: unknown): cursor is Record<string, unknown> {
    if (typeof cursor !== "object" || cursor === null || Array.isArray(cursor)) return false;
    const fields = cursor as Record<string, unknown>;
    const key = fields[byTime.sortKey];
    return (
      Object.keys(fields).sort().join() === ["pk", "sk", byTime.partitionKey, byTime.sortKey].sort().join() &&
      fields[byTime.partitionKey] === CUSTOMER_DUPLICATES_PARTITION &&
      typeof key === "string" &&
      /^(email|name-phone):[0-9a-f]{64}$/.test(key) &&
      fields.pk === customerMatchKey(key).pk &&
      fields.sk === customerMatchKey(key).sk
    );
  }
}
