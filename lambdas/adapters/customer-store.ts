import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
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
  type CustomerProfile,
  type CustomerProfileInput,
  customerProfileInputSchema,
  customerProfileSchema,
  type OperationalEvent,
} from "../contracts/customers";
import { customerErasureKey, customerKey, TableKeys } from "../contracts/table";
import type { ChurnRisk } from "../core/churn";
import type { EnrichmentProfile } from "../core/enrich";
import type { AtRiskCustomer } from "../core/revenue-at-risk";

const PROFILE_FIELDS = Object.keys(customerProfileInputSchema.shape) as (keyof CustomerProfileInput)[];
/** The profile as the API shows it, without keys or internal attributes. */
function toProfile(id: string, item: Record<string, unknown>): CustomerProfile {
  const picked = Object.fromEntries(
    [...PROFILE_FIELDS, "createdAt", "updatedAt", "minimal", "rollups"]
      .filter((key) => item[key] !== undefined)
      .map((key) => [key, item[key]]),
  );
  return customerProfileSchema.parse({ minimal: false, ...picked, id });
}

const { byTime, byCustomer } = TableKeys.indexes;
/** A profile's key in the by-customer index: its email address, so a lookup by email is one query. */
const emailIndexKey = (email: string) => `EMAIL#${email.toLowerCase()}`;
const CUSTOMERS_AT_RISK = "CUSTOMERS#AT_RISK";
/** How long an unfinished erasure's record (id → pseudonym) may stay: long enough for the retries of a DELETE. */
const ERASURE_MARKER_TTL_SECONDS = 24 * 3600;

const eventKey = (customerId: string, event: { time: string; id: string }) => ({
  pk: customerKey(customerId).pk,
  sk: `EVENT#${event.time}#${event.id}`,
});

/** Customer profiles (operational data) and their operational events, in the single table. */
export class CustomerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** What enrichment copies onto a response. */
  async getProfile(id: string): Promise<EnrichmentProfile | null> {
    const profile = await this.get(id);
    if (!profile) return null;
    const { email, name, segment, plan, annualValue, currency, renewalDate } = profile;
    return { id, email, name, segment, plan, annualValue, currency, renewalDate };
  }

  async get(id: string): Promise<CustomerProfile | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(id), ConsistentRead: true }),
    );
    return Item ? toProfile(id, Item) : null;
  }

  /**
   * Profiles with this email address, whatever its case: each profile carries its address, lower-cased,
   * as its key in the by-customer index, so the lookup is one query and leaves with the profile.
   */
  async withEmail(email: string, limit: number): Promise<CustomerProfile[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byCustomer.name,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": byCustomer.partitionKey },
        ExpressionAttributeValues: { ":pk": emailIndexKey(email) },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => toProfile(String(item[byCustomer.sortKey]), item));
  }

  /**
   * Replaces the profile's fields with `input` (fields left out are removed),
   * keeping when it was created. Returns the stored profile and whether it is new.
   */
  async put(
    id: string,
    input: CustomerProfileInput,
    now: Date,
  ): Promise<{ created: boolean; profile: CustomerProfile }> {
    const indexed =
      input.email === undefined
        ? {}
        : { [byCustomer.partitionKey]: emailIndexKey(input.email), [byCustomer.sortKey]: id };
    const stored = { ...input, ...indexed } as Record<string, unknown>;
    const fields = [...PROFILE_FIELDS, byCustomer.partitionKey, byCustomer.sortKey];
    const set = fields.filter((field) => stored[field] !== undefined);
    const remove = fields.filter((field) => stored[field] === undefined);
    const names = Object.fromEntries(fields.map((field) => [`#${field}`, field]));
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: customerKey(id),
        UpdateExpression: [
          `SET ${[...set.map((field) => `#${field} = :${field}`), "createdAt = if_not_exists(createdAt, :now)", "updatedAt = :now", "minimal = :false"].join(", ")}`,
          ...(remove.length ? [`REMOVE ${remove.map((field) => `#${field}`).join(", ")}`] : []),
        ].join(" "),
        ExpressionAttributeNames: Object.fromEntries(
          [...set, ...remove].map((field) => [`#${field}`, names[`#${field}`] as string]),
        ),
        ExpressionAttributeValues: {
          ...Object.fromEntries(set.map((field) => [`:${field}`, stored[field]])),
          ":now": now.toISOString(),
          ":false": false,
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    const profile = toProfile(id, Attributes ?? {});
    return { created: profile.createdAt === profile.updatedAt, profile };
  }

  /** A profile for a customer seen first in a response: only the id, flagged minimal. Never overwrites. */
  async ensureMinimal(id: string, now: Date): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...customerKey(id), id, minimal: true, createdAt: now.toISOString(), updatedAt: now.toISOString() },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Records an operational event once (its id is the idempotency key). Returns false for a repeat. */
  async addEvent(event: OperationalEvent): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...eventKey(event.customerId, event), ...event },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Newest first. */
  async events(customerId: string, limit?: number): Promise<OperationalEvent[]> {
    const items: OperationalEvent[] = [];
    let key: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :events)",
          ExpressionAttributeValues: { ":pk": customerKey(customerId).pk, ":events": "EVENT#" },
          ScanIndexForward: false,
          ExclusiveStartKey: key,
          ...(limit ? { Limit: limit - items.length } : {}),
        }),
      );
      for (const { pk: _pk, sk: _sk, ...event } of result.Items ?? []) items.push(event as OperationalEvent);
      key = result.LastEvaluatedKey;
    } while (key && (!limit || items.length < limit));
    return items;
  }

  /**
   * Stores the latest risk on the profile item. Crossing into "at risk" is a
   * conditional write on `atRiskSince`, so of two concurrent assessments only one
   * reports the crossing; dropping below clears it.
   */
  async saveRisk(
    customerId: string,
    risk: ChurnRisk & { assessedAt: string },
    atRisk: boolean,
    rollups: NonNullable<CustomerProfile["rollups"]>,
  ): Promise<{ crossed: boolean }> {
    const base = { TableName: this.tableName, Key: customerKey(customerId) };
    // Every write requires the profile: an assessment that read it just before an erasure must not bring it back.
    const profileExists = "attribute_exists(pk)";
    /** Whether the update's condition held and it was written. */
    const written = async (command: UpdateCommand) => {
      try {
        await this.client.send(command);
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    };
    if (!atRisk) {
      await written(
        new UpdateCommand({
          ...base,
          UpdateExpression: "SET churnRisk = :risk, rollups = :rollups REMOVE atRiskSince, #gpk, #gsk",
          ConditionExpression: profileExists,
          ExpressionAttributeNames: { "#gpk": byTime.partitionKey, "#gsk": byTime.sortKey },
          ExpressionAttributeValues: { ":risk": risk, ":rollups": rollups },
        }),
      );
      return { crossed: false };
    }
    const crossed = await written(
      new UpdateCommand({
        ...base,
        // At-risk customers are listed through GSI1 for revenue at risk.
        UpdateExpression: "SET churnRisk = :risk, rollups = :rollups, atRiskSince = :at, #gpk = :gpk, #gsk = :id",
        ConditionExpression: `${profileExists} AND attribute_not_exists(atRiskSince)`,
        ExpressionAttributeNames: { "#gpk": byTime.partitionKey, "#gsk": byTime.sortKey },
        ExpressionAttributeValues: {
          ":risk": risk,
          ":rollups": rollups,
          ":at": risk.assessedAt,
          ":gpk": CUSTOMERS_AT_RISK,
          ":id": customerId,
        },
      }),
    );
    if (!crossed)
      await written(
        new UpdateCommand({
          ...base,
          UpdateExpression: "SET churnRisk = :risk, rollups = :rollups",
          ConditionExpression: profileExists,
          ExpressionAttributeValues: { ":risk": risk, ":rollups": rollups },
        }),
      );
    return { crossed };
  }

  /** Every customer currently at or above the risk threshold, with what revenue at risk needs. */
  async atRisk(): Promise<AtRiskCustomer[]> {
    const customers: AtRiskCustomer[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: byTime.name,
        KeyConditionExpression: "#gpk = :gpk",
        ExpressionAttributeNames: { "#gpk": byTime.partitionKey },
        ExpressionAttributeValues: { ":gpk": CUSTOMERS_AT_RISK },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? [])
        customers.push({
          id: String(item.id ?? String(item.pk).slice("CUSTOMER#".length)),
          segment: typeof item.segment === "string" ? item.segment : null,
          annualValue: typeof item.annualValue === "number" ? item.annualValue : null,
          currency: typeof item.currency === "string" ? item.currency : null,
          churnRisk: Number((item.churnRisk as { score?: number } | undefined)?.score ?? 0),
        });
    return customers;
  }

  /**
   * Records that the customer's erasure has begun under `pseudonym`, unless an unfinished one has: then its
   * pseudonym is returned. The record links the id to the pseudonym only until `erase` removes it; one that
   * is never finished expires after a day (TTL), and a later erasure then picks a new pseudonym.
   */
  async beginErasure(
    customerId: string,
    pseudonym: string,
    at: Date,
  ): Promise<{ pseudonym: string; resumed: boolean }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...customerErasureKey(customerId),
            pseudonym,
            startedAt: at.toISOString(),
            [TableKeys.ttlAttribute]: Math.floor(at.getTime() / 1000) + ERASURE_MARKER_TTL_SECONDS,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { pseudonym, resumed: false };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerErasureKey(customerId), ConsistentRead: true }),
    );
    if (typeof Item?.pseudonym !== "string") throw new Error("an erasure record vanished or has no pseudonym");
    return { pseudonym: Item.pseudonym, resumed: true };
  }

  /**
   * Deletes every operational event, then the profile, then the erasure record: until the last step a
   * retry finds the erasure and continues it. Returns whether a profile existed and how many events went.
   */
  async erase(customerId: string): Promise<{ profile: boolean; events: number }> {
    const events = await this.events(customerId);
    for (const event of events)
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: eventKey(customerId, event) }));
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: customerKey(customerId), ReturnValues: "ALL_OLD" }),
    );
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: customerErasureKey(customerId) }));
    return { profile: Boolean(Attributes), events: events.length };
  }
}
