import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  aggregatePartition,
  CHANGED_DAYS_PARTITION,
  changedDayKey,
  dayAggregateKey,
  monthBucket,
  TableKeys,
} from "../contracts/table";
import {
  CELL_VIEWS,
  type Cell,
  cellsOfView,
  type DayAggregate,
  type EmployeeCell,
  type RollupResponse,
  type SampledAnswer,
  type ThemeCell,
  type View,
} from "../core/aggregates";
import { DEFAULT_TIME_ZONE, dayBounds } from "../core/calendar";
import { conditionHeld } from "./conditional-write";

/** DynamoDB items are at most 400 KB; a day's cells are split into chunks well under that. */
const CHUNK_CHARS = 300_000;
const { byTime } = TableKeys.indexes;
/** What the rollup reads of a response; `customer.*` are nested paths. */
const ROLLUP_FIELDS = [
  "id",
  "type",
  "score",
  "scale",
  "themes",
  "sentiment",
  "survey",
  "touchpoint",
  "stage",
  "channel",
  "submittedAt",
  "customer.id",
  "customer.segment",
  "customer.annualValue",
  "customer.currency",
  "employee.team",
  "employee.location",
];

const rollupProjection = projection(ROLLUP_FIELDS);

/** A projection with every name aliased, since several (type, scale, segment…) are reserved words. */
function projection(paths: readonly string[]) {
  const names: Record<string, string> = {};
  const expression = paths
    .map((path) =>
      path
        .split(".")
        .map((part) => {
          names[`#${part}`] = part;
          return `#${part}`;
        })
        .join("."),
    )
    .join(", ");
  return { ProjectionExpression: expression, ExpressionAttributeNames: names };
}

type StoredEntry = Cell | ThemeCell | SampledAnswer | EmployeeCell;

/** Day aggregates and the changed-days markers the rollup works from, in the single table. */
export class MetricsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The time zone days are counted in (IANA name). */
    readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {}

  /** Marks a day as changed; every delivery of a response does it again, so a crash cannot lose the mark. */
  async markDayChanged(day: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: changedDayKey(day),
        UpdateExpression: "ADD #version :one SET changedAt = :at",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: { ":one": 1, ":at": at.toISOString() },
      }),
    );
  }

  async changedDays(): Promise<{ day: string; version: number; changedAt: string }[]> {
    const days: { day: string; version: number; changedAt: string }[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": CHANGED_DAYS_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? [])
        days.push({ day: String(item.sk), version: Number(item.version), changedAt: String(item.changedAt) });
    return days;
  }

  /** Clears a day's mark unless it changed again since `version` was read; returns whether it did. */
  async clearChanged(day: string, version: number): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: changedDayKey(day),
          ConditionExpression: "#version = :version",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":version": version },
        }),
      ),
    );
  }

  /** The stored responses of one day (in the store's time zone), with only the fields the rollup needs. */
  async *responsesOfDay(day: string): AsyncGenerator<RollupResponse> {
    const bounds = dayBounds(day, this.timeZone);
    const last = new Date(Date.parse(bounds.to) - 1).toISOString();
    // A local day can straddle two UTC months, so two month buckets of the time index.
    for (const month of new Set([monthBucket(bounds.from), monthBucket(last)]))
      yield* this.responsesBetween(month, bounds.from, `${last}~`);
  }

  private async *responsesBetween(month: string, lower: string, upper: string): AsyncGenerator<RollupResponse> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: byTime.name,
        KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :lower AND :upper",
        ProjectionExpression: rollupProjection.ProjectionExpression,
        ExpressionAttributeNames: {
          "#pk": byTime.partitionKey,
          "#sk": byTime.sortKey,
          ...rollupProjection.ExpressionAttributeNames,
        },
        ExpressionAttributeValues: { ":pk": month, ":lower": lower, ":upper": upper },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const customer = item.customer as Record<string, unknown> | undefined;
        yield {
          id: String(item.id),
          type: item.type,
          score: item.score ?? null,
          scale: item.scale ?? null,
          themes: item.themes ?? [],
          sentiment: item.sentiment ?? null,
          survey: item.survey ?? null,
          touchpoint: item.touchpoint ?? null,
          stage: item.stage ?? null,
          channel: item.channel ?? null,
          submittedAt: String(item.submittedAt),
          ...(item.employee ? { employee: item.employee } : {}),
          customer: customer
            ? {
                id: String(customer.id),
                segment: (customer.segment as string | null | undefined) ?? null,
                annualValue: (customer.annualValue as number | null | undefined) ?? null,
                currency: (customer.currency as string | null | undefined) ?? null,
              }
            : null,
        } as RollupResponse;
      }
  }

  /**
   * Replaces a day's aggregate in every view: writes each view's chunks, then removes chunks a
   * larger earlier version left behind. Views are written side by side; a crash midway leaves the
   * day marked changed, and the rerun rewrites them all.
   */
  async putDay(aggregate: DayAggregate, at: Date): Promise<void> {
    const views: [View, readonly StoredEntry[]][] = [
      ...CELL_VIEWS.map((view): [View, Cell[]] => [view, cellsOfView(aggregate.cells, view)]),
      ["themes", aggregate.themes],
      ["answers", aggregate.answers],
      ["enps", aggregate.employees ?? []],
    ];
    await Promise.all(views.map(([view, entries]) => this.putView(view, aggregate.day, entries, at)));
  }

  private async putView(view: View, day: string, entries: readonly StoredEntry[], at: Date) {
    const chunks = pack(entries);
    const existing = await this.chunkKeys(view, day);
    for (const [index, part] of chunks.entries())
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...dayAggregateKey(view, day, index),
            day,
            chunks: chunks.length,
            computedAt: at.toISOString(),
            data: JSON.stringify(part),
          },
        }),
      );
    for (const key of existing.slice(chunks.length))
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  private async chunkKeys(view: View, day: string): Promise<{ pk: string; sk: string }[]> {
    const keys: { pk: string; sk: string }[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :day)",
        ProjectionExpression: "pk, sk",
        ExpressionAttributeValues: { ":pk": aggregatePartition(view), ":day": `${day}#` },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) keys.push({ pk: String(item.pk), sk: String(item.sk) });
    return keys.sort((a, b) => (a.sk < b.sk ? -1 : 1));
  }

  /** One view of every stored day from `from` to `to` (both `YYYY-MM-DD`, inclusive), in one query. */
  async days(view: View, from: string, to: string): Promise<DayAggregate[]> {
    const days = new Map<string, DayAggregate>();
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ProjectionExpression: "#day, #data",
        ExpressionAttributeNames: { "#day": "day", "#data": "data" },
        ExpressionAttributeValues: { ":pk": aggregatePartition(view), ":from": `${from}#`, ":to": `${to}#~` },
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const day = String(item.day);
        const into = days.get(day) ?? { day, cells: [], themes: [], answers: [] };
        const entries = JSON.parse(String(item.data));
        if (view === "themes") into.themes.push(...(entries as ThemeCell[]));
        else if (view === "answers") into.answers.push(...(entries as SampledAnswer[]));
        else if (view === "enps") into.employees = [...(into.employees ?? []), ...(entries as EmployeeCell[])];
        else into.cells.push(...(entries as Cell[]));
        days.set(day, into);
      }
    return [...days.values()];
  }
}

/** Packs entries into parts whose JSON stays under the chunk size (an empty day is one empty part). */
function pack<T>(entries: readonly T[]): T[][] {
  const parts: T[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    const length = JSON.stringify(entry).length + 1;
    if (size + length > CHUNK_CHARS && size > 0) {
      parts.push([]);
      size = 0;
    }
    (parts[parts.length - 1] as T[]).push(entry);
    size += length;
  }
  return parts;
}
