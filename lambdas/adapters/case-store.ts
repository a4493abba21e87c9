import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type Case, type CaseStatus, caseSchema, isClosed, type Priority } from "../contracts/cases";
import {
  alertDeliveryKey,
  CASE_STATS_PARTITION,
  caseContactBucketKey,
  caseKey,
  caseStatsBackfilledKey,
  caseStatsTotalsKey,
  casesByStateKey,
  customerResponsesKey,
  TableKeys,
} from "../contracts/table";
import {
  addCounters,
  type CaseCounters,
  type CaseTotals,
  type CountersDelta,
  countersDelta,
  countersOf,
  isNoChange,
} from "../core/case-stats";
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
/**
 * Set on a case once what it contributes is in the stats counters; from then on each write adds its change. A case
 * without it (written before the counters existed) is counted whole by the backfill, which sets it.
 */
const COUNTED = "statsCounted";
const TOTALS_SHARDS = 8;
const MAX_TRANSACTION_ITEMS = 100;
/** Transactions on the same counter item at the same instant cancel one another; each is tried again, briefly. */
const CONFLICT_ATTEMPTS = 5;
type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** The totals shard a case's writes go to: always the same for one case, spread over the shards across cases. */
function shardOf(caseId: string): number {
  let hash = 2166136261;
  for (let i = 0; i < caseId.length; i++) hash = Math.imul(hash ^ caseId.charCodeAt(i), 16777619);
  return (hash >>> 0) % TOTALS_SHARDS;
}

/** Whether a transaction was cancelled because the condition of its `index`th item failed. */
const conditionFailedAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException &&
  error.CancellationReasons?.[index]?.Code === "ConditionalCheckFailed";

export class CaseStore {
  /** With `commentRetentionDays`, a response snapshot's comment past retention is never returned. */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { commentRetentionDays?: number } = {},
    private readonly deliveries = new DeliveryLog(client, tableName),
  ) {}

  /** Whether each case this store returned was counted into the stats: `save` and `rewrite` keep it so. */
  private readonly counted = new WeakMap<Case, boolean>();

  private parse(item: Record<string, unknown>): Case {
    const parsed = caseSchema.parse(item);
    const days = this.options.commentRetentionDays;
    const value =
      parsed.response && days
        ? { ...parsed, response: withoutExpiredComment(parsed.response, commentCutoff(new Date(), days)) }
        : parsed;
    this.counted.set(value, item[COUNTED] === true);
    return value;
  }

  private countedOf(value: Case): boolean {
    const counted = this.counted.get(value);
    if (counted === undefined) throw new Error(`case ${value.id}: pass the case as this store returned it`);
    return counted;
  }

  /**
   * The write of a case, conditional on the version read. An uncounted case must also still be uncounted: were
   * the backfill to count it meanwhile, writing it back without the mark would have it counted again later.
   */
  private unchangedSince(read: Case, counted: boolean) {
    return {
      ConditionExpression: counted ? "version = :expected" : `version = :expected AND attribute_not_exists(${COUNTED})`,
      ExpressionAttributeValues: { ":expected": read.version },
    };
  }

  private item(value: Case, publishedAt: string | null, counted: boolean) {
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
      ...(counted ? { [COUNTED]: true } : {}),
    };
  }

  /** The counter updates that add `delta`: the case's totals shard and each time-to-first-contact bucket it moves. */
  private counterWrites(delta: CountersDelta, caseId: string): TransactItem[] {
    const writes: TransactItem[] = [];
    const totals = (Object.entries(delta.totals) as [keyof CaseTotals, number][]).filter(([, value]) => value !== 0);
    if (totals.length > 0)
      writes.push({
        Update: {
          TableName: this.tableName,
          Key: caseStatsTotalsKey(shardOf(caseId)),
          UpdateExpression: `ADD ${totals.map(([field]) => `#${field} :${field}`).join(", ")}`,
          ExpressionAttributeNames: Object.fromEntries(totals.map(([field]) => [`#${field}`, field])),
          ExpressionAttributeValues: Object.fromEntries(totals.map(([field, value]) => [`:${field}`, value])),
        },
      });
    for (const bucket of delta.buckets)
      writes.push({
        Update: {
          TableName: this.tableName,
          Key: caseContactBucketKey(bucket.index),
          UpdateExpression: "ADD #count :count, #ms :ms",
          ExpressionAttributeNames: { "#count": "count", "#ms": "ms" },
          ExpressionAttributeValues: { ":count": bucket.count, ":ms": bucket.ms },
        },
      });
    return writes;
  }

  /** One transaction, tried again while it only lost to a concurrent one on the same counter item. */
  private async transact(items: TransactItem[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        const codes = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        const lostRace =
          codes.some((reason) => reason.Code === "TransactionConflict") &&
          codes.every((reason) => reason.Code === "None" || reason.Code === "TransactionConflict");
        if (!lostRace || attempt >= CONFLICT_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
      }
    }
  }

  /** A case write, with the counters' change in the same transaction when there is one. */
  private async write(put: TransactItem["Put"] & object, delta: CountersDelta | null, caseId: string) {
    if (!delta || isNoChange(delta)) await this.client.send(new PutCommand(put));
    else await this.transact([{ Put: put }, ...this.counterWrites(delta, caseId)]);
  }

  /**
   * Creates the case unless it exists (one case per response), counting it in the same transaction. Returns what
   * is stored either way.
   */
  async createIfAbsent(value: Case): Promise<{ created: boolean; stored: Case; publishedAt: string | null }> {
    try {
      await this.write(
        {
          TableName: this.tableName,
          Item: this.item(value, null, true),
          ConditionExpression: "attribute_not_exists(pk)",
        },
        countersDelta(null, value),
        value.id,
      );
      this.counted.set(value, true);
      return { created: true, stored: value, publishedAt: null };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && !conditionFailedAt(error, 0)) throw error;
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

  /**
   * Saves `next` if nobody changed the case since `read` (as this store returned it) was read. What the change
   * means for the stats (a first contact, a close) is added to the counters in the same transaction, so a retry
   * that finds the version moved on counts nothing.
   */
  async save(next: Case, read: Case): Promise<void> {
    const counted = this.countedOf(read);
    try {
      await this.write(
        {
          TableName: this.tableName,
          Item: this.item(next, new Date().toISOString(), counted),
          ...this.unchangedSince(read, counted),
        },
        counted ? countersDelta(read, next) : null,
        next.id,
      );
      this.counted.set(next, counted);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || conditionFailedAt(error, 0))
        throw new VersionConflictError(`case ${next.id} changed meanwhile (expected version ${read.version})`);
      throw error;
    }
  }

  /** Open and contacted cases due before `at`, oldest due first. */
  async activeDueBefore(at: Date): Promise<Case[]> {
    return this.queryAll("ACTIVE", { before: at.toISOString() });
  }

  async all(): Promise<Case[]> {
    return [...(await this.active()), ...(await this.queryAll("CLOSED"))];
  }

  /** The cases not closed: the backlog, which stays small however long the history grows. */
  active(): Promise<Case[]> {
    return this.queryAll("ACTIVE");
  }

  /** The stats counters, summed over their shards and buckets; null until the backfill has counted every older case. */
  async counters(): Promise<CaseCounters | null> {
    let backfilled = false;
    const parts: CaseCounters[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": CASE_STATS_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        if (sk === caseStatsBackfilledKey.sk) backfilled = true;
        else if (sk.startsWith("TOTALS#"))
          parts.push({
            totals: {
              cases: Number(item.cases ?? 0),
              contacted: Number(item.contacted ?? 0),
              contactMs: Number(item.contactMs ?? 0),
              closed: Number(item.closed ?? 0),
              withinSla: Number(item.withinSla ?? 0),
            },
            buckets: [],
          });
        else if (sk.startsWith("CONTACT#"))
          parts.push({
            totals: { cases: 0, contacted: 0, contactMs: 0, closed: 0, withinSla: 0 },
            buckets: [{ index: Number(sk.slice("CONTACT#".length)), count: Number(item.count), ms: Number(item.ms) }],
          });
      }
    return backfilled ? addCounters(...parts) : null;
  }

  /**
   * Counts every case not yet counted (written before the counters existed), a transaction per group of cases:
   * each case is marked counted, on condition it is still unmarked at the version read, in the same transaction
   * that adds what the group contributes, so a case is counted once however many backfills run. Stops when
   * `hasTime` says so (false); true, with the mark that the counters are whole, once none is left. Once marked it
   * reads only the mark: the scheduled sweep calls it on every run.
   */
  async backfillCounters(hasTime: () => boolean): Promise<boolean> {
    const mark = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: caseStatsBackfilledKey, ConsistentRead: true }),
    );
    if (mark.Item) return true;
    for (const state of ["ACTIVE", "CLOSED"] as const) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: byTime.name,
          KeyConditionExpression: "#pk = :pk",
          FilterExpression: `attribute_not_exists(${COUNTED})`,
          ExpressionAttributeNames: { "#pk": byTime.partitionKey },
          ExpressionAttributeValues: { ":pk": casesByStateKey(state === "CLOSED") },
        },
      );
      for await (const page of pages) {
        if (!hasTime()) return false;
        let group: Case[] = [];
        for (const item of (page.Items ?? []).map((raw) => this.parse(raw))) {
          const grown = [...group, item];
          if (grown.length + 1 + countersOf(grown).buckets.length > MAX_TRANSACTION_ITEMS) {
            await this.countUncounted(group);
            group = [item];
          } else group = grown;
        }
        await this.countUncounted(group);
      }
    }
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...caseStatsBackfilledKey, at: new Date().toISOString() } }),
    );
    return true;
  }

  /** Marks the cases counted and adds what they contribute, all or nothing; a case changed meanwhile is read again. */
  private async countUncounted(cases: Case[]): Promise<void> {
    let group = cases;
    while (group.length > 0) {
      const marks: TransactItem[] = group.map((item) => ({
        Update: {
          TableName: this.tableName,
          Key: caseKey(item.id),
          UpdateExpression: `SET ${COUNTED} = :counted`,
          ConditionExpression: `version = :expected AND attribute_not_exists(${COUNTED})`,
          ExpressionAttributeValues: { ":counted": true, ":expected": item.version },
        },
      }));
      try {
        await this.transact([...marks, ...this.counterWrites(countersOf(group), (group[0] as Case).id)]);
        return;
      } catch (error) {
        const stale = group.filter((_, index) => conditionFailedAt(error, index));
        if (stale.length === 0) throw error;
        const fresh = await Promise.all(stale.map((item) => this.get(item.id)));
        const again = fresh.filter((item): item is Case => item !== null && this.countedOf(item) === false);
        group = [...group.filter((item) => !stale.includes(item)), ...again];
      }
    }
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
   * Erasure and merge: rewrites the case as `change` returns it, keeping whether it was published and counted,
   * unless it changed since it was read (then it is read and changed again). The new version makes a concurrent
   * edit of what was read fail instead of writing it back. A rewrite changes whose the case is, never what the
   * stats count, so the counters are left alone. A changed id (a retention case names its customer) moves the
   * case: the new item and the old one's delete in one transaction (the case is never there twice, nor counted
   * twice by a backfill), then its alert deliveries.
   */
  async rewrite(id: string, change: (current: Case) => Case | null): Promise<boolean> {
    for (;;) {
      const found = await this.getWithMeta(id);
      if (!found) return false;
      const next = change(found.stored);
      if (!next) return false;
      if (!isNoChange(countersDelta(found.stored, next)))
        throw new Error(`a rewrite of case ${id} must not change what the case stats count`);
      const counted = this.countedOf(found.stored);
      const unchanged = this.unchangedSince(found.stored, counted);
      const put = { TableName: this.tableName, Item: this.item(next, found.publishedAt, counted) };
      try {
        if (next.id === id) {
          await this.client.send(new PutCommand({ ...put, ...unchanged }));
        } else {
          await this.transact([
            { Put: put },
            { Delete: { TableName: this.tableName, Key: caseKey(id), ...unchanged } },
          ]);
          await this.deleteAlertDeliveries(id);
        }
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) && !conditionFailedAt(error, 1)) throw error;
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
