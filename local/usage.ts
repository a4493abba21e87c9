/**
 * What the local stand-ins served, counted in the units AWS bills and priced at us-east-1 list prices, so a
 * workload run locally says what it would cost deployed (`GET /_local/usage`). The stand-ins call the record
 * methods; the unit rules are plain functions, tested on their own.
 */

/**
 * us-east-1 list prices in USD (arm64 Lambda, HTTP API, standard queues, custom-bus events, on-demand DynamoDB
 * after its 2024-11-01 cut, standard-class log ingestion), first tier of each, no free tier. `recordedOn` is when
 * this table was written down, not fetched: check the AWS pricing pages before quoting a figure.
 */
export const PRICES = {
  recordedOn: "2026-12-02",
  apiGatewayPerMillionRequests: 1.0,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  eventsPerMillionEntries: 1.0,
  eventsArchivePerGbIngested: 0.1,
  /** Rule deliveries to Lambda functions and queues of the same account cost nothing. */
  eventsPerMillionDeliveries: 0,
  dynamodbPerMillionWriteUnits: 0.625,
  dynamodbPerMillionReadUnits: 0.125,
  logsPerGbIngested: 0.5,
} as const;

/**
 * Lambda's own lines for each invocation in the JSON log format: `platform.start` and `platform.report`
 * (duration, billed duration, memory), written at system log level INFO or DEBUG. An estimate from their
 * usual size; the stand-in does not write them.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 500;

const MILLION = 1_000_000;
const GB = 1024 ** 3;
/** SQS bills a request per 64 KB chunk of its payload; EventBridge a PutEvents entry per 64 KB chunk of its size. */
const PAYLOAD_CHUNK_BYTES = 64 * 1024;
const WRITE_UNIT_BYTES = 1024;
const READ_UNIT_BYTES = 4 * 1024;

/**
 * What CloudFormation or an operator calls, not the workload: the local runtime creates its queues on every
 * start and inspects them while draining, which on AWS is no part of a workload's bill.
 */
const QUEUE_MANAGEMENT_ACTIONS = new Set([
  "CreateQueue",
  "DeleteQueue",
  "GetQueueUrl",
  "GetQueueAttributes",
  "SetQueueAttributes",
  "ListQueues",
  "PurgeQueue",
  "ListQueueTags",
  "TagQueue",
  "UntagQueue",
  "AddPermission",
  "RemovePermission",
  "ListDeadLetterSourceQueues",
  "StartMessageMoveTask",
  "CancelMessageMoveTask",
  "ListMessageMoveTasks",
]);

/** Requests a payload is billed as: one per started 64 KB. */
export const payloadChunks = (bytes: number) => Math.max(1, Math.ceil(bytes / PAYLOAD_CHUNK_BYTES));

/** A PutEvents entry's size as EventBridge computes it for billing: its strings in UTF-8, 14 bytes for a time. */
export function putEventsEntrySize(entry: {
  Time?: unknown;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
}): number {
  const utf8 = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, "utf8"));
  return (
    (entry.Time === undefined ? 0 : 14) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8(resource), 0)
  );
}

// DynamoDB

/** An attribute value in DynamoDB's wire format, as dynalite stores it. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: AttributeValue[] }
  | { M: Item };
export type Item = Record<string, AttributeValue>;

interface KeySchemaElement {
  AttributeName: string;
}
export interface IndexDefinition {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType?: "ALL" | "KEYS_ONLY" | "INCLUDE"; NonKeyAttributes?: string[] };
}
/** The parts of a table's description (CreateTable's input, DescribeTable's answer) that decide write costs. */
export interface TableDefinition {
  KeySchema: KeySchemaElement[];
  GlobalSecondaryIndexes?: IndexDefinition[];
  LocalSecondaryIndexes?: IndexDefinition[];
}

const utf8Length = (text: string) => Buffer.byteLength(text, "utf8");

/** A number's size: one byte per two significant digits, plus one; leading and trailing zeros do not count. */
function numberSize(value: string): number {
  const mantissa = value.toLowerCase().split("e")[0] ?? "";
  const digits = mantissa
    .replace(/[^0-9]/g, "")
    .replace(/^0+/, "")
    .replace(/0+$/, "");
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if ("S" in value) return utf8Length(value.S);
  if ("N" in value) return numberSize(value.N);
  if ("B" in value) return Buffer.from(value.B, "base64").length;
  if ("BOOL" in value || "NULL" in value) return 1;
  if ("SS" in value) return value.SS.reduce((sum, text) => sum + utf8Length(text), 0);
  if ("NS" in value) return value.NS.reduce((sum, number) => sum + numberSize(number), 0);
  if ("BS" in value) return value.BS.reduce((sum, bytes) => sum + Buffer.from(bytes, "base64").length, 0);
  // A list or map: 3 bytes, and 1 byte more for each element.
  if ("L" in value) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  return (
    3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8Length(name) + valueSize(element), 0)
  );
}

/** An item's size as DynamoDB bills it: each attribute's name in UTF-8 plus its value. */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8Length(name) + valueSize(value), 0);
}

const writeUnitsFor = (bytes: number) => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));

/** A read of `bytes`: 4 KB units, at least one; an eventually consistent read costs half. */
export function readUnits(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);
}

const keysOf = (schema: KeySchemaElement[]) => schema.map((key) => key.AttributeName);

/** The entry an index holds for `item`, or undefined when the item lacks one of the index's keys (a sparse index). */
function indexEntry(index: IndexDefinition, tableKeys: string[], item: Item | undefined): Item | undefined {
  const indexKeys = keysOf(index.KeySchema);
  if (!item || indexKeys.some((name) => item[name] === undefined)) return undefined;
  if ((index.Projection.ProjectionType ?? "ALL") === "ALL") return item;
  const projected = [...indexKeys, ...tableKeys, ...(index.Projection.NonKeyAttributes ?? [])];
  return Object.fromEntries(projected.flatMap((name) => (item[name] === undefined ? [] : [[name, item[name]]])));
}

/** Equality of two values as DynamoDB compares them: map attributes in any order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, inner]) => [name, canonical(inner)]),
    );
  return value;
}
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/**
 * Write units an index is charged when one table item goes from `before` to `after` (DynamoDB Developer Guide,
 * "Provisioned throughput considerations for Global Secondary Indexes"): putting an entry costs its size in
 * 1 KB units, removing one costs 1, a changed index key costs both, an entry whose keys stay costs its new
 * size, and a write that leaves the entry as it was (nothing projected changed) costs the index nothing.
 */
function indexWriteUnits(index: IndexDefinition, tableKeys: string[], before?: Item, after?: Item): number {
  const old = indexEntry(index, tableKeys, before);
  const next = indexEntry(index, tableKeys, after);
  if (!old && !next) return 0;
  if (!next) return 1;
  const put = writeUnitsFor(itemSize(next));
  if (!old) return put;
  const keyChanged = keysOf(index.KeySchema).some((name) => !same(old[name], next[name]));
  if (keyChanged) return 1 + put;
  return same(old, next) ? 0 : put;
}

export interface WriteUnits {
  table: number;
  /** Only the indexes the write touched. */
  byIndex: Record<string, number>;
}

/**
 * A successful PutItem, UpdateItem or DeleteItem (or one item of a BatchWriteItem): the table is charged the
 * larger of the old and new item in 1 KB units (a delete of nothing still costs 1), each index as above.
 */
export function writeUnits(table: TableDefinition, before: Item | undefined, after: Item | undefined): WriteUnits {
  const tableKeys = keysOf(table.KeySchema);
  const byIndex: Record<string, number> = {};
  for (const index of [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])]) {
    const units = indexWriteUnits(index, tableKeys, before, after);
    if (units > 0) byIndex[index.IndexName] = units;
  }
  return { table: writeUnitsFor(Math.max(itemSize(before), itemSize(after))), byIndex };
}

/** A write whose condition failed: DynamoDB still charges it, and the indexes are not touched. */
const FAILED_CONDITIONAL_WRITE_UNITS = 1;

// The meter

interface PerFunction {
  invocations: number;
  /** Billed milliseconds times megabytes: whole numbers, so the sum is exact. */
  mbMilliseconds: number;
}
const toGbSeconds = (mbMilliseconds: number) => mbMilliseconds / 1024 / 1000;

function emptyCounts() {
  return {
    apiRequests: 0,
    lambda: new Map<string, PerFunction>(),
    sqsByAction: new Map<string, number>(),
    sqsEmptyReceives: 0,
    eventEntries: 0,
    eventDeliveries: 0,
    archivedBytes: 0,
    readUnitsByIndex: new Map<string, number>(),
    tableReadUnits: 0,
    tableWriteUnits: 0,
    writeUnitsByIndex: new Map<string, number>(),
    failedConditionalWrites: 0,
    logBytesByFunction: new Map<string, number>(),
  };
}

const add = (counts: Map<string, number>, key: string, amount: number) =>
  counts.set(key, (counts.get(key) ?? 0) + amount);
const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);
const perMillion = (count: number, price: number) => (count / MILLION) * price;
/** To a millionth of a millionth of a dollar: finer than any price here, and free of binary fractions' noise. */
const usd = (amount: number) => Math.round(amount * 1e12) / 1e12;

export type UsageReport = ReturnType<UsageMeter["report"]>;

/** What dynalite's wrapped actions count: the part of the meter a dynalite thread forwards to the runtime's. */
export type DynamoMeter = Pick<UsageMeter, "dynamoRead" | "dynamoWrite" | "dynamoFailedConditionalWrite">;

/** Counts since the runtime started (or since the last reset). */
export class UsageMeter {
  private counts = emptyCounts();

  /** `loggingAsDeployed`: whether functions log as on AWS, i.e. whether logs.bytes is what CloudWatch would ingest. */
  constructor(private readonly loggingAsDeployed: boolean) {}

  /** A request the HTTP API would have received: a route's, a preflight, or a path it has no route for. */
  apiRequest() {
    this.counts.apiRequests += 1;
  }

  /** One invocation, its duration already rounded up to the millisecond as Lambda bills it. */
  lambdaInvocation(functionName: string, billedMs: number, memoryMb: number, platformLogs = true) {
    const current = this.counts.lambda.get(functionName) ?? { invocations: 0, mbMilliseconds: 0 };
    this.counts.lambda.set(functionName, {
      invocations: current.invocations + 1,
      mbMilliseconds: current.mbMilliseconds + billedMs * memoryMb,
    });
    if (platformLogs) add(this.counts.logBytesByFunction, functionName, PLATFORM_LOG_BYTES_PER_INVOCATION);
  }

  /** What a function wrote to stdout or stderr: CloudWatch Logs ingests every byte. */
  lambdaOutput(functionName: string, bytes: number) {
    add(this.counts.logBytesByFunction, functionName, bytes);
  }

  /** A request the queue service answered; a receive that returned nothing is counted apart (see report). */
  sqsRequest(action: string, payloadBytes: number, emptyReceive: boolean) {
    if (QUEUE_MANAGEMENT_ACTIONS.has(action)) return;
    if (emptyReceive) this.counts.sqsEmptyReceives += 1;
    else add(this.counts.sqsByAction, action, payloadChunks(payloadBytes));
  }

  /** A PutEvents entry the bus accepted, of `bytes` as putEventsEntrySize computes it. */
  eventEntry(bytes: number) {
    this.counts.eventEntries += payloadChunks(bytes);
  }

  /** An event an archive kept. */
  eventArchived(bytes: number) {
    this.counts.archivedBytes += bytes;
  }

  /** A rule target (or a schedule's) that was delivered its event. */
  eventDelivery() {
    this.counts.eventDeliveries += 1;
  }

  dynamoRead(units: number, indexName?: string) {
    if (indexName) add(this.counts.readUnitsByIndex, indexName, units);
    else this.counts.tableReadUnits += units;
  }

  dynamoWrite(units: WriteUnits) {
    this.counts.tableWriteUnits += units.table;
    for (const [index, indexUnits] of Object.entries(units.byIndex))
      add(this.counts.writeUnitsByIndex, index, indexUnits);
  }

  dynamoFailedConditionalWrite() {
    this.counts.failedConditionalWrites += 1;
    this.counts.tableWriteUnits += FAILED_CONDITIONAL_WRITE_UNITS;
  }

  report() {
    const c = this.counts;
    const functions = [...c.lambda.values()];
    const invocations = sum(functions.map((fn) => fn.invocations));
    const gbSeconds = toGbSeconds(sum(functions.map((fn) => fn.mbMilliseconds)));
    const sqsRequests = sum(c.sqsByAction.values());
    const readUnits = c.tableReadUnits + sum(c.readUnitsByIndex.values());
    const writeUnits = c.tableWriteUnits + sum(c.writeUnitsByIndex.values());
    const logBytes = sum(c.logBytesByFunction.values());
    const usdByService = {
      apiGateway: usd(perMillion(c.apiRequests, PRICES.apiGatewayPerMillionRequests)),
      lambda: usd(perMillion(invocations, PRICES.lambdaPerMillionRequests) + gbSeconds * PRICES.lambdaPerGbSecond),
      sqs: usd(perMillion(sqsRequests, PRICES.sqsPerMillionRequests)),
      events: usd(
        perMillion(c.eventEntries, PRICES.eventsPerMillionEntries) +
          (c.archivedBytes / GB) * PRICES.eventsArchivePerGbIngested +
          perMillion(c.eventDeliveries, PRICES.eventsPerMillionDeliveries),
      ),
      dynamodb: usd(
        perMillion(writeUnits, PRICES.dynamodbPerMillionWriteUnits) +
          perMillion(readUnits, PRICES.dynamodbPerMillionReadUnits),
      ),
      logs: usd((logBytes / GB) * PRICES.logsPerGbIngested),
    };
    return {
      apiGateway: { requests: c.apiRequests },
      lambda: {
        invocations,
        gbSeconds,
        byFunction: Object.fromEntries(
          [...c.lambda]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, fn]) => [name, { invocations: fn.invocations, gbSeconds: toGbSeconds(fn.mbMilliseconds) }]),
        ),
      },
      sqs: {
        requests: sqsRequests,
        byAction: Object.fromEntries(c.sqsByAction),
        /**
         * Receives that found nothing: on AWS the event-source mappings' polling costs a fixed amount per queue
         * whatever the traffic, and the local poller polls on its own timing, so neither is the workload's cost.
         */
        emptyReceives: c.sqsEmptyReceives,
      },
      events: {
        entries: c.eventEntries,
        deliveries: c.eventDeliveries,
        archivedBytes: c.archivedBytes,
      },
      dynamodb: {
        readUnits,
        writeUnits,
        readUnitsByIndex: Object.fromEntries(c.readUnitsByIndex),
        writeUnitsByIndex: Object.fromEntries(c.writeUnitsByIndex),
        failedConditionalWrites: c.failedConditionalWrites,
      },
      logs: {
        bytes: logBytes,
        byFunction: Object.fromEntries([...c.logBytesByFunction].sort(([a], [b]) => a.localeCompare(b))),
        asDeployed: this.loggingAsDeployed,
        platformBytesPerInvocation: PLATFORM_LOG_BYTES_PER_INVOCATION,
      },
      usdByService,
      estimatedUsd: usd(sum(Object.values(usdByService))),
      prices: PRICES,
    };
  }

  /** Zeroes every count; answers what they were. */
  reset(): UsageReport {
    const before = this.report();
    this.counts = emptyCounts();
    return before;
  }
}
