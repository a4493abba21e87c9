import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type Category, type ResponseRecord, responseRecordSchema } from "../contracts/record";
import {
  commentRetentionWatermarkKey,
  customerResponsesKey,
  monthBucket,
  responseKey,
  TableKeys,
} from "../contracts/table";
import { commentCutoff, type SweepRange, withoutExpiredComment } from "../core/comment-retention";

export interface ListQuery {
  from: Date;
  to: Date;
  limit: number;
  customerId?: string;
  category?: Category;
  theme?: string;
  cursor?: ListCursor;
}
/** Where the previous page stopped: the month bucket (or customer index) and DynamoDB's key. */
export interface ListCursor {
  month?: string;
  key?: Record<string, unknown>;
}

const { byTime, byCustomer } = TableKeys.indexes;
type IndexKeys = { name: string; partitionKey: string; sortKey: string };
/** Responses read per page by the comment-retention sweep; a page's comments are removed together. */
const SWEEP_PAGE = 100;
/** Responses an erasure reads and moves at a time (the moves of a page run concurrently). */
const ERASURE_PAGE = 100;

/**
 * The condition of a put: absent, or (for a revision) an older version of the same customer's response. A
 * response erased since is stored under a pseudonym, and no late revision brings the customer's id or text back.
 */
function replacing(record: ResponseRecord) {
  if (!record.revision) return { ConditionExpression: "attribute_not_exists(pk)" };
  const sameCustomer = record.customer ? "#customer.#id = :customerId" : "attribute_type(#customer, :null)";
  return {
    ConditionExpression: `attribute_not_exists(pk) OR ((attribute_not_exists(#revision) OR #revision < :revision) AND ${sameCustomer})`,
    ExpressionAttributeNames: {
      "#revision": "revision",
      "#customer": "customer",
      ...(record.customer ? { "#id": "id" } : {}),
    },
    ExpressionAttributeValues: {
      ":revision": record.revision,
      ...(record.customer ? { ":customerId": record.customer.id } : { ":null": "NULL" }),
    },
  };
}

export class ResponseStore {
  /**
   * With `commentRetentionDays`, a comment past retention is never stored (a late, backdated
   * response) and never returned, even before the comment-retention sweep has removed it.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { commentRetentionDays?: number } = {},
  ) {}

  private retained(record: ResponseRecord): ResponseRecord {
    const days = this.options.commentRetentionDays;
    return withoutExpiredComment(record, days ? commentCutoff(new Date(), days) : null);
  }

  /**
   * Stores a response once; a higher `revision` of it replaces a lower one. Returns what is stored either way;
   * `created` is false when the stored version is this one or newer.
   */
  async putIfAbsent(given: ResponseRecord): Promise<{ created: boolean; stored: ResponseRecord }> {
    const record = this.retained(given);
    const sortKey = `${record.submittedAt}#${record.id}`;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...record,
            ...responseKey(record.id),
            [byTime.partitionKey]: monthBucket(record.submittedAt),
            [byTime.sortKey]: sortKey,
            ...(record.customer
              ? { [byCustomer.partitionKey]: customerResponsesKey(record.customer.id), [byCustomer.sortKey]: sortKey }
              : {}),
          },
          ...replacing(record),
        }),
      );
      return { created: true, stored: record };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(record.id);
      if (!existing) throw new Error(`response ${record.id} vanished after a conditional check failed`);
      return { created: false, stored: existing };
    }
  }

  async get(id: string): Promise<ResponseRecord | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: responseKey(id), ConsistentRead: true }),
    );
    return Item ? this.retained(responseRecordSchema.parse(Item)) : null;
  }

  /** Pages of a customer's responses in GSI2 (their cases share the partition and sort after `CASE#`). */
  private customerResponsePages(
    customerId: string,
    shape: { Select: "COUNT" } | { ProjectionExpression: string },
    pageSize?: number,
  ) {
    return paginateQuery(
      { client: this.client, pageSize },
      {
        TableName: this.tableName,
        IndexName: byCustomer.name,
        KeyConditionExpression: "#pk = :pk AND #sk < :cases",
        ExpressionAttributeNames: { "#pk": byCustomer.partitionKey, "#sk": byCustomer.sortKey },
        ExpressionAttributeValues: { ":pk": customerResponsesKey(customerId), ":cases": "CASE#" },
        ...shape,
      },
    );
  }

  /** How many responses a customer has given (counted by the index, without reading them). */
  async countForCustomer(customerId: string): Promise<number> {
    let count = 0;
    const pages = this.customerResponsePages(customerId, { Select: "COUNT" });
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  /**
   * Erasure: the customer's responses, page by page. Each page continues after the previous one's last
   * key, so moving a page out of the partition does not make the next read start over.
   */
  async *idsOfCustomer(customerId: string): AsyncIterable<{ id: string; submittedAt: string }[]> {
    const pages = this.customerResponsePages(customerId, { ProjectionExpression: "id, submittedAt" }, ERASURE_PAGE);
    for await (const page of pages)
      yield (page.Items ?? []).map((item) => ({ id: String(item.id), submittedAt: String(item.submittedAt) }));
  }

  /**
   * Erasure: moves one response under the pseudonym, in the record and in the by-customer index, and
   * removes its comment and the customer's email and name; score, category, sentiment, themes, segment
   * and value stay. False when the response is no longer the customer's (an index entry not yet updated).
   */
  pseudonymize(id: string, customerId: string, pseudonym: string): Promise<boolean> {
    return this.moveToCustomer(id, customerId, pseudonym, { erase: true });
  }

  /**
   * A merge: moves one response to the surviving profile's id, in the record and in the by-customer index; the
   * rest of its snapshot (segment, value, email, name as given then) stays, so metrics by segment do not move.
   * False when the response is no longer `customerId`'s (moved already, or an index entry not yet updated).
   */
  reassign(id: string, customerId: string, to: string): Promise<boolean> {
    return this.moveToCustomer(id, customerId, to, { erase: false });
  }

  private async moveToCustomer(id: string, customerId: string, to: string, { erase }: { erase: boolean }) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: responseKey(id),
          UpdateExpression: erase
            ? "SET #customer.#id = :to, #gpk = :partition, #comment = :null REMOVE #customer.#email, #customer.#name"
            : "SET #customer.#id = :to, #gpk = :partition",
          ConditionExpression: "#customer.#id = :customerId",
          ExpressionAttributeNames: {
            "#customer": "customer",
            "#id": "id",
            "#gpk": byCustomer.partitionKey,
            ...(erase ? { "#email": "email", "#name": "name", "#comment": "comment" } : {}),
          },
          ExpressionAttributeValues: {
            ":to": to,
            ":partition": customerResponsesKey(to),
            ":customerId": customerId,
            ...(erase ? { ":null": null } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Comment retention: removes the comment of one response; scores, sentiment and themes stay. */
  async stripComment(id: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: responseKey(id),
        UpdateExpression: "SET #comment = :null",
        ExpressionAttributeNames: { "#comment": "comment" },
        ExpressionAttributeValues: { ":null": null },
      }),
    );
  }

  /** Ids of responses submitted in the range (one month bucket of GSI1) that still have a comment, page by page. */
  async *withComment(range: SweepRange): AsyncIterable<{ ids: string[]; readTo: string | null }> {
    const pages = paginateQuery(
      { client: this.client, pageSize: SWEEP_PAGE },
      {
        TableName: this.tableName,
        IndexName: byTime.name,
        KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
        FilterExpression: "attribute_type(#comment, :string)",
        ProjectionExpression: "id",
        ExpressionAttributeNames: { "#pk": byTime.partitionKey, "#sk": byTime.sortKey, "#comment": "comment" },
        ExpressionAttributeValues: {
          ":pk": monthBucket(range.from),
          ":from": range.from,
          ":to": range.to,
          ":string": "S",
        },
      },
    );
    for await (const page of pages) {
      const last = page.LastEvaluatedKey?.[byTime.sortKey];
      yield {
        ids: (page.Items ?? []).map((item) => String(item.id)),
        // The index sort key is `<submittedAt>#<id>`: everything before that time has been read.
        readTo: typeof last === "string" ? (last.split("#")[0] as string) : null,
      };
    }
  }

  async commentWatermark(): Promise<string | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: commentRetentionWatermarkKey, ConsistentRead: true }),
    );
    return (Item?.watermark as string | undefined) ?? null;
  }

  /** Moves the comment-retention watermark forward; a slower, concurrent sweep never moves it back. */
  async saveCommentWatermark(at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: commentRetentionWatermarkKey,
          UpdateExpression: "SET watermark = :at",
          ConditionExpression: "attribute_not_exists(watermark) OR watermark < :at",
          ExpressionAttributeValues: { ":at": at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Whether `cursor` (as a client sent it back) can continue `query`: the start key must be a
   * response's key in the partition and range the query reads, or DynamoDB refuses it.
   */
  cursorFits(query: Omit<ListQuery, "cursor">, cursor: unknown): cursor is ListCursor {
    if (!isPlainRecord(cursor)) return false;
    const { month, key, ...rest } = cursor;
    if (Object.keys(rest).length > 0) return false;
    const [lower, upper] = [query.from.toISOString(), `${query.to.toISOString()}~`];
    const keyFits = (index: IndexKeys, partition: string) => {
      if (key === undefined) return true;
      if (!isPlainRecord(key)) return false;
      const names = Object.keys(key).sort();
      const sortValue = key[index.sortKey];
      return (
        names.join() === ["pk", "sk", index.partitionKey, index.sortKey].sort().join() &&
        key[index.partitionKey] === partition &&
        typeof key.pk === "string" &&
        key.pk.startsWith("RESPONSE#") &&
        key.sk === "RESPONSE" &&
        typeof sortValue === "string" &&
        sortValue >= lower &&
        sortValue <= upper
      );
    };
    if (query.customerId)
      return month === undefined && key !== undefined && keyFits(byCustomer, customerResponsesKey(query.customerId));
    return (
      typeof month === "string" &&
      monthsBetween(query.from, query.to).includes(month) &&
      keyFits(byTime, monthBucket(month))
    );
  }

  /** Newest first. Without a customer, walks month buckets from `to` back to `from`. */
  async list(query: ListQuery): Promise<{ items: ResponseRecord[]; nextCursor: ListCursor | null }> {
    const items: ResponseRecord[] = [];
    /** Reads the next page of a partition into `items`, as far as the limit allows; returns where it stopped. */
    const readPage = async (index: IndexKeys, partition: string, startKey: Record<string, unknown> | undefined) => {
      const page = await this.queryIndex(index, partition, query, query.limit - items.length, startKey);
      items.push(...page.items);
      return page.lastKey;
    };
    if (query.customerId) {
      let key = query.cursor?.key;
      do {
        key = await readPage(byCustomer, customerResponsesKey(query.customerId), key);
      } while (key && items.length < query.limit);
      return { items, nextCursor: key ? { key } : null };
    }

    const months = monthsBetween(query.from, query.to);
    let monthIndex = query.cursor?.month ? months.indexOf(query.cursor.month) : 0;
    if (monthIndex < 0) monthIndex = months.length;
    let key = query.cursor?.key;
    while (monthIndex < months.length && items.length < query.limit) {
      key = await readPage(byTime, monthBucket(months[monthIndex] as string), key);
      if (!key) monthIndex += 1;
    }
    if (key) return { items, nextCursor: { month: months[monthIndex], key } };
    return { items, nextCursor: monthIndex < months.length ? { month: months[monthIndex] } : null };
  }

  /**
   * One page of a partition of `index`, newest first, submitted between `query.from` and `query.to`.
   * With a category or theme, DynamoDB's `Limit` counts the items it reads, not those that match: a page of
   * 25 at 1% matches would take dozens of round trips. So a filtered query reads `FILTERED_READ`
   * items at a time and the page is cut here, its cursor then being the last item kept.
   */
  private async queryIndex(
    index: IndexKeys,
    partition: string,
    query: ListQuery,
    limit: number,
    startKey: Record<string, unknown> | undefined,
  ) {
    const filter = listFilter(query);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :lower AND :upper",
        ExpressionAttributeNames: { "#pk": index.partitionKey, "#sk": index.sortKey, ...filter?.names },
        ExpressionAttributeValues: {
          ":pk": partition,
          ":lower": query.from.toISOString(),
          ":upper": `${query.to.toISOString()}~`,
          ...filter?.values,
        },
        ...(filter ? { FilterExpression: filter.expression } : {}),
        ScanIndexForward: false,
        Limit: filter ? Math.max(limit, FILTERED_READ) : limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const found = result.Items ?? [];
    const kept = found.slice(0, limit);
    const last = kept.at(-1);
    const lastKey =
      found.length > limit && last
        ? Object.fromEntries(
            [TableKeys.partitionKey, TableKeys.sortKey, index.partitionKey, index.sortKey].map((name) => [
              name,
              last[name],
            ]),
          )
        : result.LastEvaluatedKey;
    return { items: kept.map((item) => this.retained(responseRecordSchema.parse(item))), lastKey };
  }
}

/** Items a filtered list reads per round trip (DynamoDB stops earlier at 1 MB). */
const FILTERED_READ = 250;

/** The filter of a list by category and/or theme, or null when it lists everything. */
function listFilter(query: Pick<ListQuery, "category" | "theme">) {
  const parts = [
    query.category && {
      expression: "#category = :category",
      names: { "#category": "category" },
      values: { ":category": query.category },
    },
    query.theme && {
      expression: "contains(#themes, :theme)",
      names: { "#themes": "themes" },
      values: { ":theme": query.theme },
    },
  ].filter((part) => typeof part === "object");
  if (parts.length === 0) return null;
  return {
    expression: parts.map((part) => part.expression).join(" AND "),
    names: Object.assign({}, ...parts.map((part) => part.names)) as Record<string, string>,
    values: Object.assign({}, ...parts.map((part) => part.values)) as Record<string, string>,
  };
}

/** `YYYY-MM` months from `to` back to `from`, newest first. */
const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1));
  const stop = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1);
  while (cursor.getTime() >= stop) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() - 1);
  }
  return months;
}
