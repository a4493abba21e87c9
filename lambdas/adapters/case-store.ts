import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type Case, type CaseStatus, caseSchema, isClosed, type Priority } from "../contracts/cases";
import { alertDeliveryKey, caseKey, casesByStateKey, customerResponsesKey, TableKeys } from "../contracts/table";
import { commentCutoff, withoutExpiredComment } from "../core/comment-retention";
import { conditionHeld } from "./conditional-write";
import { DeliveryLog } from "./delivery-log";

export class VersionConflictError extends Error {}

export interface CaseListQuery {
  status?: CaseStatus;
  owner?: string;
  priority?: Priority;
  overdueAt?: Date;
  limit: number;
  cursor?: { state: "ACTIVE" | "CLOSED"; key?: Record<string, unknown> };
}

const { byTime, byCustomer } = TableKeys.indexes;
/** The state partitions a list reads, in order. */
const statesOf = (query: Pick<CaseListQuery, "status" | "overdueAt">): ("ACTIVE" | "CLOSED")[] =>
  query.status ? [isClosed(query.status) ? "CLOSED" : "ACTIVE"] : query.overdueAt ? ["ACTIVE"] : ["ACTIVE", "CLOSED"];
/** A customer's cases sort after their responses in GSI2 (responses sort by ISO time, which starts with a digit). */
const CUSTOMER_CASE_PREFIX = "CASE#";

export class CaseStore {
  /** With `commentRetentionDays`, a response snapshot's comment past retention is never returned. */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { commentRetentionDays?: number } = {},
    private readonly deliveries = new DeliveryLog(client, tableName),
  ) {}

  private parse(item: Record<string, unknown>): Case {
    const parsed = caseSchema.parse(item);
    const days = this.options.commentRetentionDays;
    if (!parsed.response || !days) return parsed;
    return { ...parsed, response: withoutExpiredComment(parsed.response, commentCutoff(new Date(), days)) };
  }

  private item(value: Case, publishedAt: string | null) {
    return {
      ...value,
      ...caseKey(value.id),
      [byTime.partitionKey]: casesByStateKey(isClosed(value.status)),
      [byTime.sortKey]: `${value.dueAt}#${value.id}`,
      ...(value.customerId
        ? {
            [byCustomer.partitionKey]: customerResponsesKey(value.customerId),
            [byCustomer.sortKey]: `${CUSTOMER_CASE_PREFIX}${value.createdAt}#${value.id}`,
          }
        : {}),
      publishedAt,
    };
  }

  /** Creates the case unless it exists (one case per response). Returns what is stored either way. */
  async createIfAbsent(value: Case): Promise<{ created: boolean; stored: Case; publishedAt: string | null }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(value, null),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { created: true, stored: value, publishedAt: null };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getWithMeta(value.id);
      if (!existing) throw new Error(`case ${value.id} vanished after a conditional check failed`);
      return { created: false, ...existing };
    }
  }

  async get(id: string): Promise<Case | null> {
    return (await this.getWithMeta(id))?.stored ?? null;
  }

  private async getWithMeta(id: string) {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: caseKey(id), ConsistentRead: true }),
    );
    if (!Item) return null;
    return { stored: this.parse(Item), publishedAt: (Item.publishedAt as string | null | undefined) ?? null };
  }

  async markPublished(id: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: caseKey(id),
        UpdateExpression: "SET publishedAt = :at",
        ExpressionAttributeValues: { ":at": at.toISOString() },
      }),
    );
  }

  /** Saves a changed case if nobody changed it since `expectedVersion` was read. */
  async save(next: Case, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(next, new Date().toISOString()),
          ConditionExpression: "version = :expected",
          ExpressionAttributeValues: { ":expected": expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new VersionConflictError(`case ${next.id} changed meanwhile (expected version ${expectedVersion})`);
      throw error;
    }
  }

  /** Open and contacted cases due before `at`, oldest due first. */
  async activeDueBefore(at: Date): Promise<Case[]> {
    return this.queryAll("ACTIVE", { before: at.toISOString() });
  }

  async all(): Promise<Case[]> {
    return [...(await this.queryAll("ACTIVE")), ...(await this.queryAll("CLOSED"))];
  }

  /**
   * Whether `cursor` (as a client sent it back) can continue `query`: the start key must be a
   * case's key in the state partition the query reads, or DynamoDB refuses it.
   */
  cursorFits(query: Omit<CaseListQuery, "cursor">, cursor: unknown): cursor is NonNullable<CaseListQuery["cursor"]> {
    if (typeof cursor !== "object" || cursor === null) return false;
    const { state, key, ...rest } = cursor as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || (state !== "ACTIVE" && state !== "CLOSED")) return false;
    if (!statesOf(query).includes(state)) return false;
    if (key === undefined) return true;
    if (typeof key !== "object" || key === null) return false;
    const fields = key as Record<string, unknown>;
    const due = fields[byTime.sortKey];
    return (
      Object.keys(fields).sort().join() === ["pk", "sk", byTime.partitionKey, byTime.sortKey].sort().join() &&
      fields[byTime.partitionKey] === casesByStateKey(state === "CLOSED") &&
      typeof fields.pk === "string" &&
      fields.pk.startsWith("CASE#") &&
      fields.sk === "CASE" &&
      typeof due === "string" &&
      (!query.overdueAt || due < query.overdueAt.toISOString())
    );
  }

  async list(query: CaseListQuery): Promise<{ items: Case[]; nextCursor: CaseListQuery["cursor"] | null }> {
    const states = statesOf(query);
    let stateIndex = query.cursor ? Math.max(0, states.indexOf(query.cursor.state)) : 0;
    let key = query.cursor?.key;
    const items: Case[] = [];
    while (stateIndex < states.length && items.length < query.limit) {
      const state = states[stateIndex] as "ACTIVE" | "CLOSED";
      const page = await this.queryPage(state, query, query.limit - items.length, key);
      items.push(...page.items);
      key = page.lastKey;
      if (!key) stateIndex += 1;
    }
    if (key) return { items, nextCursor: { state: states[stateIndex] as "ACTIVE" | "CLOSED", key } };
    return {
      items,
      nextCursor: stateIndex < states.length ? { state: states[stateIndex] as "ACTIVE" | "CLOSED" } : null,
    };
  }

  private async queryPage(
    state: "ACTIVE" | "CLOSED",
    query: CaseListQuery,
    limit: number,
    startKey: Record<string, unknown> | undefined,
  ) {
    const filters: string[] = [];
    const names: Record<string, string> = { "#pk": byTime.partitionKey };
    const values: Record<string, unknown> = { ":pk": casesByStateKey(state === "CLOSED") };
    for (const field of ["status", "owner", "priority"] as const) {
      if (query[field] === undefined) continue;
      filters.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = query[field];
    }
    let keyCondition = "#pk = :pk";
    if (query.overdueAt) {
      keyCondition += " AND #sk < :due";
      names["#sk"] = byTime.sortKey;
      values[":due"] = query.overdueAt.toISOString();
    }
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byTime.name,
        KeyConditionExpression: keyCondition,
        ...(filters.length ? { FilterExpression: filters.join(" AND ") } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: (result.Items ?? []).map((item) => this.parse(item)), lastKey: result.LastEvaluatedKey };
  }

  private queryAll(state: "ACTIVE" | "CLOSED", range: { before?: string } = {}): Promise<Case[]> {
    return this.allPages({
      IndexName: byTime.name,
      KeyConditionExpression: range.before ? "#pk = :pk AND #sk < :before" : "#pk = :pk",
      ExpressionAttributeNames: { "#pk": byTime.partitionKey, ...(range.before ? { "#sk": byTime.sortKey } : {}) },
      ExpressionAttributeValues: {
        ":pk": casesByStateKey(state === "CLOSED"),
        ...(range.before ? { ":before": range.before } : {}),
      },
    });
  }

  /** Every case of a customer, oldest first. */
  ofCustomer(customerId: string): Promise<Case[]> {
    return this.allPages({
      IndexName: byCustomer.name,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :cases)",
      ExpressionAttributeNames: { "#pk": byCustomer.partitionKey, "#sk": byCustomer.sortKey },
      ExpressionAttributeValues: { ":pk": customerResponsesKey(customerId), ":cases": CUSTOMER_CASE_PREFIX },
    });
  }

  private async allPages(query: Omit<QueryCommandInput, "TableName">): Promise<Case[]> {
    const items: Case[] = [];
    for await (const page of paginateQuery({ client: this.client }, { TableName: this.tableName, ...query }))
      items.push(...(page.Items ?? []).map((item) => this.parse(item)));
    return items;
  }

  /**
   * Erasure: rewrites the case as `change` returns it, keeping whether it was published, unless it changed
   * since it was read (then it is read and changed again). The new version makes a concurrent edit of what
   * was read fail instead of writing it back. A changed id (a retention case names its customer) moves the
   * case: the new item first, then the old one and its alert deliveries, so a crash in between leaves the
   * old one to be moved again.
   */
  async rewrite(id: string, change: (current: Case) => Case | null): Promise<boolean> {
    for (;;) {
      const found = await this.getWithMeta(id);
      if (!found) return false;
      const next = change(found.stored);
      if (!next) return false;
      const unchanged = {
        ConditionExpression: "version = :expected",
        ExpressionAttributeValues: { ":expected": found.stored.version },
      };
      try {
        if (next.id === id) {
          await this.client.send(
            new PutCommand({ TableName: this.tableName, Item: this.item(next, found.publishedAt), ...unchanged }),
          );
        } else {
          await this.client.send(
            new PutCommand({ TableName: this.tableName, Item: this.item(next, found.publishedAt) }),
          );
          await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: caseKey(id), ...unchanged }));
          await this.deleteAlertDeliveries(id);
        }
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  private async deleteAlertDeliveries(caseId: string): Promise<void> {
    const { pk } = alertDeliveryKey(caseId, "");
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": pk },
        ProjectionExpression: "pk, sk",
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? [])
        await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
  }

  /** Comment retention: removes the comment from the case's response snapshot, if the case exists and has one. */
  async stripComment(id: string): Promise<void> {
    await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: caseKey(id),
          UpdateExpression: "SET #response.#comment = :null",
          ConditionExpression: "attribute_type(#response, :map)",
          ExpressionAttributeNames: { "#response": "response", "#comment": "comment" },
          ExpressionAttributeValues: { ":null": null, ":map": "M" },
        }),
      ),
    );
  }

  alertDelivered(caseId: string, delivery: string): Promise<boolean> {
    return this.deliveries.alertDelivered(caseId, delivery);
  }

  /**
   * Erasure may move the case (its id names the customer) while an alert for it is out. The mark is
   * written, then the case read: if it is gone, the mark goes too. Erasure deletes the case before it
   * deletes the marks, so whichever ran second sees the other's write and no mark naming the customer stays.
   */
  async recordAlertDelivered(caseId: string, delivery: string, at: Date): Promise<void> {
    await this.deliveries.recordAlertDelivered(caseId, delivery, at);
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: caseKey(caseId),
        ConsistentRead: true,
        ProjectionExpression: "pk",
      }),
    );
    if (!Item)
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: alertDeliveryKey(caseId, delivery) }));
  }
}
