import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { deflateSync, inflateSync } from "node:zlib";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  QueryCommand,
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
  combineCells,
  type DayAggregate,
  DRIVER_BLOCK_LEVELS,
  type DriverBlock,
  dayAfter,
  dayBefore,
  driverBlockOf,
  driverBlockView,
  type EmployeeCell,
  mergeDriverBlock,
  type RollupResponse,
  RUNNING_VIEW,
  runningBlock,
  runningSums,
  type SampledAnswer,
  sampleRank,
  type ThemeCell,
  type View,
  windowSampleBound,
} from "../core/aggregates";
import { DEFAULT_TIME_ZONE, dayBounds, dayOf } from "../core/calendar";
import { conditionHeld } from "./conditional-write";

/**
 * DynamoDB items are at most 400 KB; a day's cells are split into chunks whose JSON, in UTF-8, is
 * well under that, so a chunk fits even where deflating it gains nothing (survey, theme and
 * customer names in other scripts take 2-4 bytes a character).
 */
const CHUNK_BYTES = 300_000;
/** Rewrites of what is derived from several days (running sums, driver blocks) before giving up while other writers keep changing them. */
const DERIVED_ATTEMPTS = 5;
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

/**
 * A driver block keeps three kinds of entries in one list, so that its chunks split anywhere. Its
 * answers are pages of ANSWER_PAGE_SIZE in sample order, each with its last answer's rank and its
 * length, and the answers' JSON as text: a reader parses only the pages that can reach the window's
 * sample (`windowSampleBound`), about 2,000 answers of a 90-day window's 8,000 at volume.
 */
type BlockEntry = ["cell", Cell] | ["theme", ThemeCell] | ["answers", number, number, string];
const ANSWER_PAGE_SIZE = 100;
type StoredEntry = Cell | ThemeCell | SampledAnswer | EmployeeCell | BlockEntry;
/** The views queries read by day, the cube's running sums (read by `runningSums`) and the driver blocks (`driverBlocks`). */
type StoredView = View | typeof RUNNING_VIEW | ReturnType<typeof driverBlockView>;
/** The day views drivers read, and a driver block's parts. */
const DRIVER_DAY_VIEWS = ["survey", "themes", "answers"] as const;

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
    await Promise.all([
      this.untilSettled(`the running sums from ${aggregate.day}`, () => this.tryRunningSums(aggregate.day, at)),
      this.untilSettled(`the driver blocks of ${aggregate.day}`, () => this.tryDriverBlocks(aggregate.day, at)),
    ]);
  }

  /**
   * Runs a rewrite of derived items until it reports them settled: each writer writes its day before
   * them and checks after, so the last check passes only on items that are those of the days as they stand.
   */
  private async untilSettled(what: string, attempt: () => Promise<boolean>) {
    for (let count = 1; count <= DERIVED_ATTEMPTS; count++) {
      if (await attempt()) return;
      await sleep(20 * count);
    }
    throw new Error(`${what} kept changing under other writers; the day is to be written again`);
  }

  /**
   * Rewrites the running sums from `day` to the end of its block (those that changed): from the
   * latest sum before it, adding the cubes of every day after that one (a day whose cube is written
   * but whose sum is not yet is so included). Then it reads the inputs and the sums again and reports
   * whether another writer changed any meanwhile (`untilSettled` goes again if so).
   */
  private async tryRunningSums(day: string, at: Date): Promise<boolean> {
    const inputs = await this.runningInputs(day);
    const stored = await this.rawDays(RUNNING_VIEW, inputs.from, inputs.to, true);
    if (!inputs.whole || !stored) return false;
    const cubes = [...inputs.cubes].map(([cubeDay, parts]) => ({
      day: cubeDay,
      cells: parseCells(parts),
      themes: [],
      answers: [],
    }));
    const written = runningSums(inputs.base ? parseCells(inputs.base) : [], cubes).map((sum) => ({
      day: sum.day,
      cells: sum.cells,
      parts: pack(sum.cells).map((part) => JSON.stringify(part)),
    }));
    for (const sum of written)
      if (!sameParts(stored.get(sum.day), sum.parts)) await this.putView(RUNNING_VIEW, sum.day, sum.cells, at);
    const [again, now] = await Promise.all([
      this.runningInputs(day),
      this.rawDays(RUNNING_VIEW, inputs.from, inputs.to, true),
    ]);
    return (
      JSON.stringify(again) === JSON.stringify(inputs) &&
      written.every((sum) => sameParts(now?.get(sum.day), sum.parts))
    );
  }

  /**
   * What the running sums of `day`'s block from `day` on are made of: the latest sum before it, and
   * the cubes after that sum's day; `whole` is false while a writer is midway through one of them.
   */
  private async runningInputs(day: string) {
    const block = runningBlock(day);
    const before = day === block.from ? null : await this.latestDay(RUNNING_VIEW, block.from, dayBefore(day), true);
    const from = before ? dayAfter(before[0]) : block.from;
    const cubes = await this.rawDays("cube", from, block.to, true);
    const whole = before !== undefined && cubes !== null;
    return { whole, from, to: block.to, base: before?.[1] ?? null, cubes: [...(cubes ?? [])] };
  }

  /**
   * Writes the driver blocks that end yesterday (in the store's time zone), if no rollup of their
   * days has since they closed: a day whose last response came before midnight is not rolled up
   * again. One read when they are there.
   */
  async closeDriverBlocks(at: Date): Promise<void> {
    const yesterday = dayBefore(dayOf(at, this.timeZone));
    let levels = 0;
    while (levels < DRIVER_BLOCK_LEVELS && driverBlockOf(yesterday, levels + 1).to === yesterday) levels += 1;
    if (levels === 0) return;
    const largest = driverBlockOf(yesterday, levels);
    if ((await this.rawDays(driverBlockView(levels), largest.from, largest.from, false)).has(largest.from)) return;
    await this.untilSettled(`the driver blocks ending ${yesterday}`, () => this.tryDriverBlocks(yesterday, at));
  }

  /**
   * Rewrites the closed driver blocks holding `day` (those that changed), each from its two halves:
   * the one holding `day` just computed, the other as stored, or from its days when it is not (rolled
   * up before blocks existed, or nothing written in it yet). Recomputed, never incremented, so a
   * retry or a recompute gives the same blocks. Then it reads the inputs and the blocks again and
   * reports whether another writer changed any meanwhile, as the running sums do.
   * A block is closed when its last day is before `at`'s day: today's day changes at every rollup
   * run, and rewriting the six blocks holding it each time would write about 1.4 MB a run at 1 M
   * responses. So a block is written once its days are over (and again when a late response
   * changes one), and until then drivers read its closed halves and today's day (`daysForDrivers`).
   */
  private async tryDriverBlocks(day: string, at: Date): Promise<boolean> {
    const today = dayOf(at, this.timeZone);
    let levels = 0;
    while (levels < DRIVER_BLOCK_LEVELS && driverBlockOf(day, levels + 1).to < today) levels += 1;
    if (levels === 0) return true;
    const inputs = await this.driverInputs(day, levels);
    if (!inputs) return false;
    const written: { block: DriverBlock; entries: BlockEntry[]; parts: string[] }[] = [];
    let piece = inputs.day;
    for (const [index, sibling] of inputs.siblings.entries()) {
      const block = driverBlockOf(day, index + 1);
      const halves = sibling.day < piece.day ? [sibling, piece] : [piece, sibling];
      piece = mergeDriverBlock(block.from, halves);
      const entries = blockEntries(piece);
      written.push({ block, entries, parts: pack(entries).map((part) => JSON.stringify(part)) });
    }
    const storedBlocks = () =>
      Promise.all(written.map(({ block }) => this.rawDays(driverBlockView(block.level), block.from, block.from, true)));
    for (const [index, stored] of (await storedBlocks()).entries()) {
      const { block, entries, parts } = written[index] as (typeof written)[number];
      if (!stored || !sameParts(stored.get(block.from), parts))
        await this.putView(driverBlockView(block.level), block.from, entries, at);
    }
    const [again, now] = await Promise.all([this.driverInputs(day, levels), storedBlocks()]);
    return (
      again !== null &&
      again.raw === inputs.raw &&
      written.every(({ block, parts }, index) => sameParts(now[index]?.get(block.from), parts))
    );
  }

  /**
   * What the driver blocks holding `day` are made of: the day's own views, and at each level the
   * half its block does not hold (a day, then blocks of 2, 4, …), up to blocks of 2^`levels` days;
   * null while a writer is midway through one.
   */
  private async driverInputs(day: string, levels: number) {
    const halves = Array.from({ length: levels }, (_, index) => {
      const holding = driverBlockOf(day, index);
      const parent = driverBlockOf(day, index + 1);
      const other = holding.from === parent.from ? dayAfter(holding.to) : parent.from;
      return driverBlockOf(other, index);
    });
    const read = await Promise.all([
      this.driverPiece({ level: 0, from: day, to: day }),
      ...halves.map((half) => this.driverPiece(half)),
    ]);
    if (read.some((piece) => piece === null)) return null;
    const [own, ...siblings] = read as { piece: DayAggregate; raw: string }[];
    return {
      day: (own as { piece: DayAggregate }).piece,
      siblings: siblings.map((sibling) => sibling.piece),
      raw: JSON.stringify(read.map((piece) => piece?.raw)),
    };
  }

  /** One block (or day) as drivers read it, read consistently, with its stored text to compare; null midway through a write. */
  private async driverPiece(block: DriverBlock): Promise<{ piece: DayAggregate; raw: string } | null> {
    if (block.level > 0) {
      const stored = await this.rawDays(driverBlockView(block.level), block.from, block.from, true);
      if (!stored) return null;
      const parts = stored.get(block.from);
      if (parts) return { piece: parseBlock(block.from, parts), raw: JSON.stringify(parts) };
    }
    const views = await Promise.all(DRIVER_DAY_VIEWS.map((view) => this.rawDays(view, block.from, block.to, true)));
    if (views.some((view) => view === null)) return null;
    const [survey, themes, answers] = views as Map<string, string[]>[];
    const days = [...new Set([survey, themes, answers].flatMap((view) => [...(view?.keys() ?? [])]))].sort();
    const entries = (view: Map<string, string[]> | undefined, day: string) =>
      (view?.get(day) ?? []).flatMap((part) => JSON.parse(part));
    const pieces = days.map((dayOfBlock) => ({
      day: dayOfBlock,
      cells: entries(survey, dayOfBlock) as Cell[],
      themes: entries(themes, dayOfBlock) as ThemeCell[],
      answers: entries(answers, dayOfBlock) as SampledAnswer[],
    }));
    const piece =
      block.level === 0
        ? (pieces[0] ?? { day: block.from, cells: [], themes: [], answers: [] })
        : mergeDriverBlock(block.from, pieces);
    return { piece, raw: JSON.stringify([...views.map((view) => [...(view ?? [])])]) };
  }

  /**
   * The stored driver blocks among `blocks`, by first day; one missing is not in the map. Answers
   * that cannot be in the sample of a window holding these blocks (`windowSampleBound`) may be left out.
   */
  async driverBlocks(blocks: readonly DriverBlock[]): Promise<Map<string, DayAggregate>> {
    const read = (
      await Promise.all(
        blocks.map(async (block) => {
          const parts = (await this.rawDays(driverBlockView(block.level), block.from, block.from, false)).get(
            block.from,
          );
          return parts ? [readBlock(block.from, parts)] : [];
        }),
      )
    ).flat();
    const bound = windowSampleBound(read);
    return new Map(read.map((stored) => [stored.block.day, withAnswers(stored, bound)]));
  }

  /**
   * Each day's running sum: its block's cells through it, from the latest day of the block up to it that has one.
   * A block with no sum up to the day is summed from its cubes: it has none (an empty read), or it was rolled up
   * before running sums existed and nothing in it changed since, so an upgrade needs no recompute.
   */
  async runningSums(days: readonly string[]): Promise<Map<string, Cell[]>> {
    const sums = await Promise.all(
      days.map(async (day): Promise<[string, Cell[]]> => {
        const { from } = runningBlock(day);
        const latest = await this.latestDay(RUNNING_VIEW, from, day, false);
        if (latest) return [day, parseCells(latest[1])];
        const cubes = await this.rawDays("cube", from, day, false);
        return [day, combineCells([...cubes.values()].map(parseCells))];
      }),
    );
    return new Map(sums);
  }

  /**
   * The last stored day of a view from `from` to `to` and its chunks' data, null when there is none;
   * read consistently, undefined while a writer is midway through that day's chunks.
   */
  private async latestDay(view: StoredView, from: string, to: string, consistent: boolean) {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ProjectionExpression: "#day, #chunks, #data",
        ExpressionAttributeNames: { "#day": "day", "#chunks": "chunks", "#data": "data" },
        ExpressionAttributeValues: { ":pk": aggregatePartition(view), ":from": `${from}#`, ":to": `${to}#~` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: consistent,
      }),
    );
    const last = page.Items?.[0];
    if (!last) return null;
    const day = String(last.day);
    if (Number(last.chunks) === 1) return [day, [chunkJson(last.data)]] as const;
    const days = consistent ? await this.rawDays(view, day, day, true) : await this.rawDays(view, day, day, false);
    return days ? ([day, days.get(day) ?? []] as const) : undefined;
  }

  private async putView(view: StoredView, day: string, entries: readonly StoredEntry[], at: Date) {
    const chunks = pack(entries);
    const writeId = randomUUID();
    const existing = await this.chunkKeys(view, day);
    for (const [index, part] of chunks.entries())
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...dayAggregateKey(view, day, index),
            day,
            chunks: chunks.length,
            // One per write, so a consistent read can tell a day's chunks all come from the same one.
            writeId,
            computedAt: at.toISOString(),
            data: deflateSync(JSON.stringify(part)),
          },
        }),
      );
    for (const key of existing.slice(chunks.length))
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  private async chunkKeys(view: StoredView, day: string): Promise<{ pk: string; sk: string }[]> {
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
    return [...(await this.rawDays(view, from, to, false))].map(([day, parts]) => {
      const into: DayAggregate = { day, cells: [], themes: [], answers: [] };
      const entries = parts.flatMap((part) => JSON.parse(part) as StoredEntry[]);
      if (view === "themes") into.themes = entries as ThemeCell[];
      else if (view === "answers") into.answers = entries as SampledAnswer[];
      else if (view === "enps") into.employees = entries as EmployeeCell[];
      else into.cells = entries as Cell[];
      return into;
    });
  }

  /**
   * Each stored day's chunks of a view (their JSON, in order), from `from` to `to`, oldest first.
   * Read consistently, null when a writer is midway through a day's chunks (they are not all of one
   * write, or not all there).
   */
  private async rawDays(
    view: StoredView,
    from: string,
    to: string,
    consistent: true,
  ): Promise<Map<string, string[]> | null>;
  private async rawDays(view: StoredView, from: string, to: string, consistent: false): Promise<Map<string, string[]>>;
  private async rawDays(view: StoredView, from: string, to: string, consistent: boolean) {
    const days = new Map<string, { parts: string[]; chunks: number; writes: Set<unknown> }>();
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ProjectionExpression: "#day, #data, #chunks, #writeId",
        ExpressionAttributeNames: { "#day": "day", "#data": "data", "#chunks": "chunks", "#writeId": "writeId" },
        ExpressionAttributeValues: { ":pk": aggregatePartition(view), ":from": `${from}#`, ":to": `${to}#~` },
        ConsistentRead: consistent,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) {
        const day = String(item.day);
        const into = days.get(day) ?? { parts: [], chunks: Number(item.chunks), writes: new Set() };
        into.parts.push(chunkJson(item.data));
        into.writes.add(item.writeId);
        days.set(day, into);
      }
    const whole = [...days.values()].every((day) => day.writes.size === 1 && day.parts.length === day.chunks);
    if (consistent && !whole) return null;
    return new Map([...days].map(([day, { parts }]) => [day, parts]));
  }
}

/**
 * A chunk's JSON from its stored `data`: deflated (aggregates are repetitive JSON, about a seventh
 * of the bytes deflated, and DynamoDB bills reads and writes by size), or the text older deploys wrote.
 */
const chunkJson = (data: unknown) => (data instanceof Uint8Array ? inflateSync(data).toString("utf8") : String(data));

const parseCells = (parts: readonly string[]) => parts.flatMap((part) => JSON.parse(part) as Cell[]);

function blockEntries(block: DayAggregate): BlockEntry[] {
  const pages: BlockEntry[] = [];
  for (let from = 0; from < block.answers.length; from += ANSWER_PAGE_SIZE) {
    const page = block.answers.slice(from, from + ANSWER_PAGE_SIZE);
    pages.push(["answers", sampleRank(page[page.length - 1] as SampledAnswer), page.length, JSON.stringify(page)]);
  }
  return [
    ...block.cells.map((cell): BlockEntry => ["cell", cell]),
    ...block.themes.map((theme): BlockEntry => ["theme", theme]),
    ...pages,
  ];
}

/** A stored block's entries, its answers still as pages of text. */
function readBlock(day: string, parts: readonly string[]) {
  const block: DayAggregate = { day, cells: [], themes: [], answers: [] };
  const pages: { lastRank: number; text: string }[] = [];
  let answers = 0;
  for (const entry of parts.flatMap((part) => JSON.parse(part) as BlockEntry[])) {
    if (entry[0] === "cell") block.cells.push(entry[1]);
    else if (entry[0] === "theme") block.themes.push(entry[1]);
    else {
      pages.push({ lastRank: entry[1], text: entry[3] });
      answers += entry[2];
    }
  }
  return { block, pages, answers, lastRank: pages[pages.length - 1]?.lastRank ?? 0 };
}

/** The block with the answers of its pages that may rank up to `bound` (every page by default). */
function withAnswers({ block, pages }: ReturnType<typeof readBlock>, bound = Number.POSITIVE_INFINITY): DayAggregate {
  for (const [index, page] of pages.entries()) {
    if (index > 0 && (pages[index - 1] as (typeof pages)[number]).lastRank > bound) break;
    block.answers.push(...(JSON.parse(page.text) as SampledAnswer[]));
  }
  return block;
}

const parseBlock = (day: string, parts: readonly string[]) => withAnswers(readBlock(day, parts));
const sameParts = (stored: readonly string[] | undefined, parts: readonly string[]) =>
  stored !== undefined && stored.length === parts.length && stored.every((part, index) => part === parts[index]);

/** Packs entries into parts whose JSON stays under the chunk size in UTF-8 (an empty day is one empty part). */
function pack<T>(entries: readonly T[]): T[][] {
  const parts: T[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    const length = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (size + length > CHUNK_BYTES && size > 0) {
      parts.push([]);
      size = 0;
    }
    (parts[parts.length - 1] as T[]).push(entry);
    size += length;
  }
  return parts;
}
