import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { churnRiskSchema } from "../contracts/churn";
import {
  type CustomerProfile,
  type CustomerProfileInput,
  customerProfileInputSchema,
  customerProfileSchema,
  type OperationalEvent,
} from "../contracts/customers";
import { customerErasureKey, customerKey, eventIndexSortKey, eventMonthBucket, TableKeys } from "../contracts/table";
import type { ChurnRisk } from "../core/churn";
import { duplicateKeys, type MergeHistoryEntry, type MergeRecord } from "../core/customer-merge";
import type { CustomerRollups, StoredAssessment } from "../core/customer-risk";
import type { EnrichmentProfile } from "../core/enrich";
import type { AtRiskCustomer } from "../core/revenue-at-risk";
import { conditionHeld } from "./conditional-write";
import { DuplicateIndex } from "./customer-duplicates";

const PROFILE_FIELDS = Object.keys(customerProfileInputSchema.shape) as (keyof CustomerProfileInput)[];
/** The profile as the API shows it, without keys or internal attributes. */
function toProfile(id: string, item: Record<string, unknown>): CustomerProfile {
  const picked = Object.fromEntries(
    [...PROFILE_FIELDS, "createdAt", "updatedAt", "minimal", "rollups", "mergedInto", "history"]
      .filter((key) => item[key] !== undefined)
      .map((key) => [key, item[key]]),
  );
  return customerProfileSchema.parse({ minimal: false, ...picked, id });
}

const { byTime, byCustomer } = TableKeys.indexes;
const CUSTOMERS_AT_RISK = "CUSTOMERS#AT_RISK";
/** The profile's duplicate keys as last written to the duplicate index, so a change knows which to leave. */
const MATCH_KEYS = "matchKeys";
/** What a profile merged into another keeps: how far the merge got, on the pointer left behind. */
const MERGE_ATTRIBUTES = {
  by: "mergedBy",
  startedAt: "mergeStartedAt",
  completedAt: "mergeCompletedAt",
  moved: "mergeMoved",
};
const NO_MOVES = { responses: 0, cases: 0, events: 0 };
const CUSTOMER_PREFIX = "CUSTOMER#";
/** Profiles a BatchGetItem may ask for at once. */
const BATCH_GET = 100;

/** `put`'s answer: the stored profile and the others it shares a duplicate key with, or the merge it was refused for. */
export type PutOutcome =
  | { created: boolean; profile: CustomerProfile; duplicateOf: string[] }
  | { mergedInto: string; created?: never };

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const setMembers = (value: unknown): string[] => (value instanceof Set ? [...value].map(String) : []);
const mergeRecordOf = (item: Record<string, unknown>): MergeRecord => ({
  into: String(item.mergedInto),
  by: String(item[MERGE_ATTRIBUTES.by] ?? ""),
  startedAt: String(item[MERGE_ATTRIBUTES.startedAt] ?? ""),
  completedAt:
    typeof item[MERGE_ATTRIBUTES.completedAt] === "string" ? (item[MERGE_ATTRIBUTES.completedAt] as string) : null,
  moved: { ...NO_MOVES, ...(item[MERGE_ATTRIBUTES.moved] as Partial<MergeRecord["moved"]> | undefined) },
});
/** How long an unfinished erasure's record (id → pseudonym) may stay: long enough for the retries of a DELETE. */
const ERASURE_MARKER_TTL_SECONDS = 24 * 3600;

const eventKey = (customerId: string, event: { time: string; id: string }) => ({
  pk: customerKey(customerId).pk,
  sk: `EVENT#${event.time}#${event.id}`,
});
/**
 * An event id claimed for the customer, with the time it was recorded at: the event's own key holds its time (so
 * events list in time order), and without the claim the same id sent again with another time would be a second event.
 */
const EVENT_CLAIM_PREFIX = "EVENTID#";
const eventClaimKey = (customerId: string, id: string) => ({
  pk: customerKey(customerId).pk,
  sk: `${EVENT_CLAIM_PREFIX}${id}`,
});

/** What recording an event did: stored it, found it stored already, or found its id taken by another time. */
export type EventWrite = "created" | "repeated" | "conflict";

/** Where an event sits in the by-time index: its UTC month, then time, customer and id (see `eventMonthBucket`). */
const eventIndexKeys = (event: { time: string; customerId: string; id: string }) => {
  const utc = new Date(event.time).toISOString();
  return {
    [byTime.partitionKey]: eventMonthBucket(utc),
    [byTime.sortKey]: eventIndexSortKey(utc, event.customerId, event.id),
  };
};

/** UTC months (`YYYY-MM`) from the one of `from` to the one of `to` (both `YYYY-MM…`, years 0001-9999). */
function monthsFromTo(from: string, to: string): string[] {
  const index = (iso: string) => Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
  const months: string[] = [];
  for (let month = index(from); month <= index(to); month++)
    months.push(`${String(Math.floor(month / 12)).padStart(4, "0")}-${String((month % 12) + 1).padStart(2, "0")}`);
  return months;
}

/** The attributes KPIs read of an event, and no more. */
const KPI_ATTRIBUTES = [
  "id",
  "customerId",
  "type",
  "time",
  "amount",
  "currency",
  "contactsToResolve",
  "resolved",
  "npsCategory",
  "segment",
] as const;

/** Customer profiles (operational data) and their operational events, in the single table. */
export class CustomerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly duplicates = new DuplicateIndex(client, tableName),
  ) {}

  /** What enrichment copies onto a response. */
  async getProfile(id: string): Promise<EnrichmentProfile | null> {
    const profile = await this.get(id);
    if (!profile) return null;
    const { email, name, segment, plan, annualValue, currency, renewalDate } = profile;
    return { id, email, name, segment, plan, annualValue, currency, renewalDate };
  }

  async get(id: string): Promise<CustomerProfile | null> {
    return (await this.getAssessed(id)).profile;
  }

  /** The profile with what the last churn-risk assessment stored on it, for the next one to compare with. */
  async getAssessed(id: string): Promise<{ profile: CustomerProfile | null; assessed: StoredAssessment | null }> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(id), ConsistentRead: true }),
    );
    if (!Item) return { profile: null, assessed: null };
    const stored = churnRiskSchema.safeParse(Item.churnRisk);
    return {
      profile: toProfile(id, Item),
      assessed: { churnRisk: stored.success ? stored.data : null, atRisk: Item.atRiskSince !== undefined },
    };
  }

  /**
   * Profiles stored before the duplicate index existed carry their address, lower-cased, as their key in the
   * by-customer index until their next put; one query finds them, so an older deploy needs no backfill.
   */
  private async legacyWithEmail(email: string): Promise<string[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byCustomer.name,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": byCustomer.partitionKey, "#sk": byCustomer.sortKey },
        ExpressionAttributeValues: { ":pk": `EMAIL#${email.toLowerCase()}` },
        ProjectionExpression: "#sk",
      }),
    );
    return (Items ?? []).map((item) => String(item[byCustomer.sortKey]));
  }

  /**
   * Profiles with this email address, whatever its case, found through the duplicate index (which holds the
   * customers under each address's key) and checked against the profiles themselves, which the index follows.
   * Profiles are in no secondary index of their own: the churn-risk update that follows every response would
   * otherwise rewrite an index copy each time.
   */
  async withEmail(email: string, limit: number): Promise<CustomerProfile[]> {
    const [key] = duplicateKeys({ email });
    if (!key) return [];
    const [members, legacy] = await Promise.all([this.duplicates.members(key.key), this.legacyWithEmail(email)]);
    const found = await this.getMany([...new Set([...members, ...legacy])]);
    return found
      .filter((profile) => !profile.mergedInto && duplicateKeys(profile).some((own) => own.key === key.key))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  /**
   * Replaces the profile's fields with `input` (fields left out are removed),
   * keeping when it was created. Returns the stored profile, whether it is new and the other profiles it shares a
   * duplicate key with (as the index has them); a profile merged into another is not changed (`mergedInto`).
   */
  async put(id: string, input: CustomerProfileInput, now: Date): Promise<PutOutcome> {
    const stored = { ...input } as Record<string, unknown>;
    // The by-customer index keys are always removed: profiles stored before `withEmail` used the duplicate index
    // carried their address there, and leave the index on their next put.
    const fields = [...PROFILE_FIELDS, byCustomer.partitionKey, byCustomer.sortKey];
    const set = fields.filter((field) => stored[field] !== undefined);
    const remove = fields.filter((field) => stored[field] === undefined);
    const names = Object.fromEntries(fields.map((field) => [`#${field}`, field]));
    let Attributes: Record<string, unknown> | undefined;
    try {
      ({ Attributes } = await this.client.send(
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
          ConditionExpression: "attribute_not_exists(mergedInto)",
          ReturnValues: "ALL_NEW",
        }),
      ));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const merged = await this.get(id);
      if (!merged?.mergedInto) throw error;
      return { mergedInto: merged.mergedInto };
    }
    const profile = toProfile(id, Attributes ?? {});
    const duplicateOf = await this.indexDuplicates(id, stringList(Attributes?.[MATCH_KEYS]), profile);
    return { created: profile.createdAt === profile.updatedAt, profile, duplicateOf };
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
  /**
   * Records an event once per id: the id's claim first, then the event. A retry after a crash between the two finds
   * its own claim (same time) and puts the event; the same id with another time is a conflict, and stores nothing.
   */
  async addEvent(event: OperationalEvent): Promise<EventWrite> {
    const claim = eventClaimKey(event.customerId, event.id);
    const claimed = await conditionHeld(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...claim, time: event.time },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    if (!claimed) {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: claim, ConsistentRead: true }),
      );
      if (Item && Item.time !== event.time) return "conflict";
    }
    const stored = await conditionHeld(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...eventKey(event.customerId, event), ...eventIndexKeys(event), ...event },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    return stored ? "created" : "repeated";
  }

  /** Deletes every event-id claim of the customer (erasure, and the absorbed side of a merge). */
  private async deleteEventClaims(customerId: string): Promise<void> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :claims)",
        ProjectionExpression: "pk, sk",
        ExpressionAttributeValues: { ":pk": customerKey(customerId).pk, ":claims": EVENT_CLAIM_PREFIX },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? [])
        await this.client.send(
          new DeleteCommand({ TableName: this.tableName, Key: { pk: String(item.pk), sk: String(item.sk) } }),
        );
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
      for (const { pk: _pk, sk: _sk, [byTime.partitionKey]: _gpk, [byTime.sortKey]: _gsk, ...event } of result.Items ??
        [])
        items.push(event as OperationalEvent);
      key = result.LastEvaluatedKey;
    } while (key && (!limit || items.length < limit));
    return items;
  }

  /**
   * Every event whose time is in [from, to) (UTC ISO instants; `to` may be any string that sorts after the last
   * time wanted), in index order, through the by-time index: one query
   * (and its pages) per UTC month of the window, so the cost grows with the window's events, never with history.
   * Events recorded before the index existed are not in it.
   */
  async eventsBetween(from: string, to: string): Promise<OperationalEvent[]> {
    const month = async (bucket: string) => {
      const events: OperationalEvent[] = [];
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: byTime.name,
          // Sort keys are `time#customer#id`, so BETWEEN from AND to is exactly from <= time < to.
          KeyConditionExpression: "#gpk = :gpk AND #gsk BETWEEN :from AND :to",
          ProjectionExpression: KPI_ATTRIBUTES.map((name) => `#${name}`).join(", "),
          ExpressionAttributeNames: {
            "#gpk": byTime.partitionKey,
            "#gsk": byTime.sortKey,
            ...Object.fromEntries(KPI_ATTRIBUTES.map((name) => [`#${name}`, name])),
          },
          ExpressionAttributeValues: { ":gpk": eventMonthBucket(bucket), ":from": from, ":to": to },
        },
      );
      for await (const page of pages) for (const item of page.Items ?? []) events.push(item as OperationalEvent);
      return events;
    };
    // The months are independent partitions: read them side by side (at most 37 for the longest window).
    return (await Promise.all(monthsFromTo(from, to).map(month))).flat();
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
    rollups: CustomerRollups,
  ): Promise<{ crossed: boolean }> {
    const base = { TableName: this.tableName, Key: customerKey(customerId) };
    // Every write requires the profile: an assessment that read it just before an erasure must not bring it back.
    // Nor may it write onto a profile merged into another: the pointer has no risk, and is never "at risk".
    const profileExists = "attribute_exists(pk) AND attribute_not_exists(mergedInto)";
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
    // First out of the duplicate index (it holds hashes of the address), and the pointers left by profiles merged
    // into this one go (they name it); a retry does it again, harmlessly.
    const { Item: profile } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(customerId), ConsistentRead: true }),
    );
    if (profile) {
      await this.duplicates.sync(customerId, stringList(profile[MATCH_KEYS]), []);
      for (const absorbed of setMembers(profile.mergedFrom))
        await conditionHeld(() =>
          this.client.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: customerKey(absorbed),
              ConditionExpression: "mergedInto = :id",
              ExpressionAttributeValues: { ":id": customerId },
            }),
          ),
        );
    }
    const events = await this.events(customerId);
    for (const event of events)
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: eventKey(customerId, event) }));
    await this.deleteEventClaims(customerId);
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: customerKey(customerId), ReturnValues: "ALL_OLD" }),
    );
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: customerErasureKey(customerId) }));
    return { profile: Boolean(Attributes), events: events.length };
  }

  /** Keeps the duplicate index in step with the profile; answers the other profiles under its keys. */
  private async indexDuplicates(id: string, had: string[], profile: CustomerProfile): Promise<string[]> {
    const has = profile.mergedInto ? [] : duplicateKeys(profile).map((key) => key.key);
    const others = await this.duplicates.sync(id, had, has);
    if (had.join() !== has.join())
      await conditionHeld(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: customerKey(id),
            ...(has.length
              ? { UpdateExpression: "SET #keys = :keys", ExpressionAttributeValues: { ":keys": has } }
              : { UpdateExpression: "REMOVE #keys" }),
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeNames: { "#keys": MATCH_KEYS },
          }),
        ),
      );
    return others;
  }

  /** A page of the duplicate index: keys two or more profiles share, with their members (see `DuplicateIndex`). */
  duplicateGroups(limit: number, cursor: Record<string, unknown> | undefined) {
    return this.duplicates.groups(limit, cursor);
  }

  duplicateCursorFits(cursor: unknown): cursor is Record<string, unknown> {
    return this.duplicates.cursorFits(cursor);
  }

  /** The profiles of those ids that have one. */
  async getMany(ids: readonly string[]): Promise<CustomerProfile[]> {
    const profiles: CustomerProfile[] = [];
    for (let start = 0; start < ids.length; start += BATCH_GET) {
      let keys: Record<string, unknown>[] = ids.slice(start, start + BATCH_GET).map((id) => customerKey(id));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.tableName] ?? [])
          profiles.push(toProfile(String(item.pk).slice(CUSTOMER_PREFIX.length), item));
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return profiles;
  }

  /** Whether an erasure of the customer has begun and not finished (its record is still there). */
  async erasureUnderway(customerId: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: customerErasureKey(customerId),
        ConsistentRead: true,
        ProjectionExpression: "pk",
      }),
    );
    return Boolean(Item);
  }

  /**
   * A merge's first step, and the lock: `from` becomes a pointer to `into` (`mergedInto`) with the merge record
   * (who, when, totals) unless it has one, and loses its own fields, its email in the search index, its risk (and
   * place among the customers at risk), its rollups and its duplicate keys. Null when `from` has no profile or
   * points to another one. Repeating it changes nothing.
   */
  async beginMerge(from: string, into: string, by: string, at: Date): Promise<MergeRecord | null> {
    const removed = [
      ...PROFILE_FIELDS,
      byCustomer.partitionKey,
      byCustomer.sortKey,
      byTime.partitionKey,
      byTime.sortKey,
      "churnRisk",
      "atRiskSince",
      "rollups",
    ];
    let Attributes: Record<string, unknown> | undefined;
    const merged = await conditionHeld(async () => {
      ({ Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: customerKey(from),
          UpdateExpression: [
            "SET mergedInto = :into, #by = if_not_exists(#by, :by), #started = if_not_exists(#started, :at), #moved = if_not_exists(#moved, :none)",
            `REMOVE ${removed.map((_, index) => `#r${index}`).join(", ")}`,
          ].join(" "),
          ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(mergedInto) OR mergedInto = :into)",
          ExpressionAttributeNames: {
            "#by": MERGE_ATTRIBUTES.by,
            "#started": MERGE_ATTRIBUTES.startedAt,
            "#moved": MERGE_ATTRIBUTES.moved,
            ...Object.fromEntries(removed.map((field, index) => [`#r${index}`, field])),
          },
          ExpressionAttributeValues: { ":into": into, ":by": by, ":at": at.toISOString(), ":none": NO_MOVES },
          ReturnValues: "ALL_NEW",
        }),
      ));
    });
    if (!merged || !Attributes) return null;
    await this.indexDuplicates(from, stringList(Attributes[MATCH_KEYS]), toProfile(from, Attributes));
    return mergeRecordOf(Attributes);
  }

  /** Adds to a merge's totals, on the pointer it left. */
  async countMoved(from: string, moved: Partial<MergeRecord["moved"]>): Promise<void> {
    const counts = Object.entries(moved).filter(([, count]) => count);
    if (counts.length === 0) return;
    await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: customerKey(from),
          UpdateExpression: `SET ${counts.map(([name]) => `#moved.#${name} = #moved.#${name} + :${name}`).join(", ")}`,
          ConditionExpression: "attribute_exists(mergedInto)",
          ExpressionAttributeNames: {
            "#moved": MERGE_ATTRIBUTES.moved,
            ...Object.fromEntries(counts.map(([name]) => [`#${name}`, name])),
          },
          ExpressionAttributeValues: Object.fromEntries(counts.map(([name, count]) => [`:${name}`, count])),
        }),
      ),
    );
  }

  /** The customer's operational events, a page at a time (a page may be moved before the next is read). */
  async *eventPages(customerId: string): AsyncIterable<OperationalEvent[]> {
    const pages = paginateQuery(
      { client: this.client, pageSize: 100 },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :events)",
        ExpressionAttributeValues: { ":pk": customerKey(customerId).pk, ":events": "EVENT#" },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      yield (page.Items ?? []).map(
        ({ pk: _pk, sk: _sk, [byTime.partitionKey]: _gpk, [byTime.sortKey]: _gsk, ...event }) =>
          event as OperationalEvent,
      );
  }

  /**
   * A merge: records the event under `into`, as `addEvent` would (an event `into` already has under the same id is
   * kept, and this one dropped: one id is one event), then deletes it and its claim from the customer it was under.
   * A crash in between is repaired by the next call.
   */
  async moveEvent(event: OperationalEvent, into: string): Promise<boolean> {
    await this.addEvent({ ...event, customerId: into });
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: eventKey(event.customerId, event) }));
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: eventClaimKey(event.customerId, event.id) }),
    );
    return true;
  }

  /**
   * A merge's last step: the survivor's history gets its entry once per profile merged into it (`mergedFrom`), the
   * pointer's once with its completion. Answers the merge record as it stands.
   */
  async completeMerge(
    from: string,
    into: string,
    entries: { survivor: MergeHistoryEntry; absorbed: MergeHistoryEntry },
  ): Promise<MergeRecord | null> {
    await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: customerKey(into),
          UpdateExpression:
            "ADD mergedFrom :fromSet SET #history = list_append(if_not_exists(#history, :empty), :entry)",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(mergedFrom) OR NOT contains(mergedFrom, :from))",
          ExpressionAttributeNames: { "#history": "history" },
          ExpressionAttributeValues: {
            ":fromSet": new Set([from]),
            ":from": from,
            ":empty": [],
            ":entry": [entries.survivor],
          },
        }),
      ),
    );
    await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: customerKey(from),
          UpdateExpression:
            "SET #completed = :at, updatedAt = :at, #history = list_append(if_not_exists(#history, :empty), :entry)",
          ConditionExpression: "mergedInto = :into AND attribute_not_exists(#completed)",
          ExpressionAttributeNames: { "#history": "history", "#completed": MERGE_ATTRIBUTES.completedAt },
          ExpressionAttributeValues: {
            ":into": into,
            ":at": entries.absorbed.at,
            ":empty": [],
            ":entry": [entries.absorbed],
          },
        }),
      ),
    );
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: customerKey(from), ConsistentRead: true }),
    );
    return Item?.mergedInto === into ? mergeRecordOf(Item) : null;
  }
}
