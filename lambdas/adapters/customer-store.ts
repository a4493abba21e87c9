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
import { customerKey, TableKeys } from "../contracts/table";
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

const { byTime } = TableKeys.indexes;
const CUSTOMERS_AT_RISK = "CUSTOMERS#AT_RISK";

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
   * Replaces the profile's fields with `input` (fields left out are removed),
   * keeping when it was created. Returns the stored profile and whether it is new.
   */
  async put(
    id: string,
    input: CustomerProfileInput,
    now: Date,
  ): Promise<{ created: boolean; profile: CustomerProfile }> {
    const set = PROFILE_FIELDS.filter((field) => input[field] !== undefined);
    const remove = PROFILE_FIELDS.filter((field) => input[field] === undefined);
    const names = Object.fromEntries(PROFILE_FIELDS.map((field) => [`#${field}`, field]));
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
          ...Object.fromEntries(set.map((field) => [`:${field}`, input[field]])),
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
    if (!atRisk) {
      await this.client.send(
        new UpdateCommand({
          ...base,
          UpdateExpression: "SET churnRisk = :risk, rollups = :rollups REMOVE atRiskSince, #gpk, #gsk",
          ExpressionAttributeNames: { "#gpk": byTime.partitionKey, "#gsk": byTime.sortKey },
          ExpressionAttributeValues: { ":risk": risk, ":rollups": rollups },
        }),
      );
      return { crossed: false };
    }
    try {
      await this.client.send(
        new UpdateCommand({
          ...base,
          // At-risk customers are listed through GSI1 for revenue at risk.
          UpdateExpression: "SET churnRisk = :risk, rollups = :rollups, atRiskSince = :at, #gpk = :gpk, #gsk = :id",
          ConditionExpression: "attribute_not_exists(atRiskSince)",
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
      return { crossed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.client.send(
        new UpdateCommand({
          ...base,
          UpdateExpression: "SET churnRisk = :risk, rollups = :rollups",
          ExpressionAttributeValues: { ":risk": risk, ":rollups": rollups },
        }),
      );
      return { crossed: false };
    }
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

  /** Deletes the profile and every operational event. Returns how many events went. */
  async erase(customerId: string): Promise<{ profile: boolean; events: number }> {
    const events = await this.events(customerId);
    for (const event of events)
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: eventKey(customerId, event) }));
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: customerKey(customerId), ReturnValues: "ALL_OLD" }),
    );
    return { profile: Boolean(Attributes), events: events.length };
  }
}
