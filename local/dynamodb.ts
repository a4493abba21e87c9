import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import type dynaliteServer from "dynalite";
import { TableKeys } from "../lambdas/contracts/table";
import { type DynaliteStore, serveTransactions, transactionHandler } from "./dynamodb-transactions";
import {
  type DynamoMeter,
  type Item,
  itemSize,
  readUnits,
  type TableDefinition,
  type UsageMeter,
  writeUnits,
} from "./usage";

export interface LocalDynamo {
  url: string;
  close(): Promise<void>;
}

/**
 * Where a dynalite server's meter rides: its options, which dynalite keeps as `store.options`. Registered
 * symbols: a module graph evaluated again in the same process (a test runner's isolation) meets the same
 * dynalite, already wrapped.
 */
const METER = Symbol.for("cxloop.usage-meter");
const METERED = Symbol.for("cxloop.dynalite-metered");

interface Store {
  options: { [METER]?: DynamoMeter };
}
interface Request {
  TableName: string;
  IndexName?: string;
  ConsistentRead?: boolean;
  ReturnConsumedCapacity?: "INDEXES" | "TOTAL" | "NONE";
}
type Callback = (error: Error | null, result?: { ConsumedCapacity?: { CapacityUnits: number } }) => void;
type Action = (store: Store, data: Request, cb: Callback) => void;
/** The helpers dynalite's actions call through its `db` module object, so replacing one here reaches them all. */
interface DynaliteDb {
  [METERED]?: true;
  create(options: object): DynaliteStore;
  updateIndexes(store: Store, table: TableDefinition, before: Item | undefined, after: Item | null, cb: unknown): void;
  checkConditional(data: Request, existing: Item | undefined): unknown;
  addConsumedCapacity(data: Request, isRead: boolean, item?: Item, other?: Item): unknown;
  queryTable(store: Store, table: TableDefinition, data: Request, ...rest: [...unknown[], Callback]): void;
}

/** The store dynalite made for a server's options, for the TransactWriteItems handler in front of it. */
const storeOfOptions = new WeakMap<object, DynaliteStore>();

const asksForCapacity = (data: Request) =>
  data.ReturnConsumedCapacity === "TOTAL" || data.ReturnConsumedCapacity === "INDEXES";

/** dynalite's table of table descriptions: one JSON value per table, read by every request that names one. */
interface TableDb {
  get(name: string, cb: (error: Error | null, table?: TableDefinition) => void): void;
  put(name: string, table: TableDefinition, cb: (error: Error | null) => void): void;
  del(name: string, cb: (error: Error | null) => void): void;
}

/**
 * Every item request reads its table's description from LevelDB and decodes it again (GetItem, PutItem and Query
 * each paid a LevelDB round trip for it, most of dynalite's reads under load). The description changes only
 * through this same sub-database (CreateTable, UpdateTable, DeleteTable put or delete it), so it is kept here
 * from the first read until then; each caller gets its own copy, as from LevelDB, since UpdateTable edits its copy.
 * The copy is parsed from JSON text, as LevelDB's JSON encoding makes it: structuredClone took 2.6 times as long,
 * and was the dynalite thread's costliest function under load (6 % of its CPU).
 */
function cacheTableDescriptions(store: { tableDb: TableDb }) {
  const { tableDb } = store;
  const described = new Map<string, string>();
  // Bumped by every put and delete: a read that a write overtook (CREATING read, ACTIVE written) keeps nothing.
  const writes = new Map<string, number>();
  const { get, put, del } = tableDb;
  const written = (name: string) => {
    described.delete(name);
    writes.set(name, (writes.get(name) ?? 0) + 1);
  };
  tableDb.get = (name, cb) => {
    const cached = described.get(name);
    // Answered on a later turn, as LevelDB answers: callers rely on it (their locks are released in between).
    if (cached !== undefined) return setImmediate(cb, null, JSON.parse(cached) as TableDefinition);
    const before = writes.get(name);
    get.call(tableDb, name, (error, table) => {
      if (!error && table && writes.get(name) === before) described.set(name, JSON.stringify(table));
      cb(error, table);
    });
  };
  tableDb.put = (name, table, cb) => {
    written(name);
    put.call(tableDb, name, table, (error) => {
      written(name);
      cb(error);
    });
  };
  tableDb.del = (name, cb) => {
    written(name);
    del.call(tableDb, name, (error) => {
      written(name);
      cb(error);
    });
  };
}

/**
 * dynalite, its actions wrapped so each request's read and write units reach the meter of the server that
 * answered it, GSI writes included (dynalite reports table units only). Loaded here, once a process: the
 * actions have to be wrapped before dynalite's index.js reads them.
 */
function meteredDynalite(): typeof dynaliteServer {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("dynalite"));
  const index = join(root, "index.js");
  const db = require(join(root, "db/index.js")) as DynaliteDb;
  if (db[METERED]) return require(index) as typeof dynaliteServer;
  if (require.cache[index]) throw new Error("dynalite was loaded before its actions could be metered");
  db[METERED] = true;
  // Only a request's input links the helpers that lack the store (a condition, a GetItem) to their server.
  const meterOfRequest = new WeakMap<Request, DynamoMeter>();

  const { create, updateIndexes, checkConditional, addConsumedCapacity, queryTable } = db;
  db.create = (options) => {
    const store = create(options);
    cacheTableDescriptions(store as DynaliteStore & { tableDb: TableDb });
    storeOfOptions.set(options, store);
    return store;
  };
  // Every successful write passes through here with the table's description (its indexes, as created) and the
  // item before and after; a delete's `after` is null.
  db.updateIndexes = (store, table, before, after, cb) => {
    store.options[METER]?.dynamoWrite(writeUnits(table, before, after ?? undefined));
    updateIndexes(store, table, before, after, cb);
  };
  db.checkConditional = (data, existing) => {
    const failed = checkConditional(data, existing);
    if (failed) meterOfRequest.get(data)?.dynamoFailedConditionalWrite();
    return failed;
  };
  // GetItem, and each key of a BatchGetItem, with the whole item read (or none).
  db.addConsumedCapacity = (data, isRead, item, other) => {
    if (isRead) meterOfRequest.get(data)?.dynamoRead(readUnits(itemSize(item), data.ConsistentRead === true));
    return addConsumedCapacity(data, isRead, item, other);
  };
  // Query and Scan bill what they read before the filter, which only dynalite sees: it is asked for the
  // consumed capacity, and the answer is given back without it when the client did not ask.
  db.queryTable = (store, table, data, ...rest) => {
    const meter = store.options[METER];
    const cb = rest.pop() as Callback;
    if (!meter) return queryTable(store, table, data, ...rest, cb);
    const asked = asksForCapacity(data);
    const metered: Request = asked ? data : { ...data, ReturnConsumedCapacity: "TOTAL" };
    queryTable(store, table, metered, ...rest, (error, result) => {
      if (!error && result) {
        const minimum = data.ConsistentRead ? 1 : 0.5;
        meter.dynamoRead(Math.max(minimum, result.ConsumedCapacity?.CapacityUnits ?? 0), data.IndexName);
        if (!asked) delete result.ConsumedCapacity;
      }
      cb(error, result);
    });
  };
  // The batch actions take their single-item actions from the module cache, so these wrap theirs too.
  for (const name of ["getItem", "putItem", "updateItem", "deleteItem"]) {
    const path = join(root, "actions", `${name}.js`);
    const action = require(path) as Action;
    const cached = require.cache[path];
    if (!cached) throw new Error(`dynalite's ${name} is not in the module cache`);
    cached.exports = ((store, data, cb) => {
      const meter = store.options[METER];
      if (meter) meterOfRequest.set(data, meter);
      action(store, data, cb);
    }) satisfies Action;
  }
  return require(index) as typeof dynaliteServer;
}

/**
 * Starts dynalite, the DynamoDB API on localhost; in memory unless `path` is given. With a `usage` meter, the
 * read and write units of what it answers are counted there.
 */
export async function startDynalite(
  options: { path?: string; port?: number; usage?: DynamoMeter } = {},
): Promise<LocalDynamo> {
  const dynalite = meteredDynalite();
  const serverOptions = {
    path: options.path,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.usage ? { [METER]: options.usage } : {}),
  };
  const server = dynalite(serverOptions);
  // Node closes a keep-alive connection idle for 5 s; a sandbox's SDK client reusing it at that moment got
  // "socket hang up" (ECONNRESET) under load. The clients are the runtime's own few, so idle ones stay open.
  server.keepAliveTimeout = 0;
  const store = storeOfOptions.get(serverOptions);
  if (!store) throw new Error("dynalite made its store without the wrapped db.create");
  serveTransactions(
    server,
    transactionHandler(store, (served) => (served.options as Store["options"])[METER]),
  );
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A meter call as a dynalite thread forwards it: the method's name and its arguments. */
export type MeterCall = {
  [Method in keyof DynamoMeter]: [Method, ...Parameters<DynamoMeter[Method]>];
}[keyof DynamoMeter];
export interface DynaliteThreadInput {
  path?: string;
  metered: boolean;
}
export type FromDynaliteThread =
  | { listening: string }
  | { metered: MeterCall[] }
  | { settled: number }
  | { closed: true };
export type ToDynaliteThread = { settle: number } | { close: true };

export interface ThreadedDynamo extends LocalDynamo {
  /** Resolves once every unit the thread metered for what it has answered so far is on the meter. */
  meterSettled(): Promise<void>;
}

/**
 * dynalite (as `startDynalite` starts it, metered) in a worker thread of its own: its LevelDB calls, its
 * request parsing and its answers run beside the other stand-ins rather than between them, and the clients
 * reach it over HTTP as before. Its meter calls come back as messages and are applied to `usage` here, in order.
 */
export async function startDynaliteThread(
  options: { path?: string; usage?: UsageMeter } = {},
): Promise<ThreadedDynamo> {
  const { usage } = options;
  // The thread runs the TypeScript sources as the runtime does (npm start runs under tsx); a thread loads no loader of its own.
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const worker = new Worker(new URL("./dynalite-thread.ts", import.meta.url), {
    execArgv: ["--import", loader],
    workerData: { path: options.path, metered: usage !== undefined } satisfies DynaliteThreadInput,
  });
  const waiting = new Map<number, () => void>();
  let nextSettle = 0;
  let closed: (() => void) | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    let listening = false;
    // Before it listens a failure fails the start; after, it fails the process, as dynalite in the process did,
    // rather than leave the runtime up with no DynamoDB (the journal and the table replay on the next start).
    const fail = (error: Error) => {
      if (!listening) return reject(error);
      process.nextTick(() => {
        throw new Error("the dynalite thread failed", { cause: error });
      });
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closed) fail(new Error(`the dynalite thread exited with code ${code}`));
    });
    worker.on("message", (message: FromDynaliteThread) => {
      if ("listening" in message) {
        listening = true;
        resolve(message.listening);
      } else if ("metered" in message)
        for (const [method, ...args] of message.metered) applyMeterCall(usage, method, args);
      else if ("settled" in message) {
        waiting.get(message.settled)?.();
        waiting.delete(message.settled);
      } else closed?.();
    });
  });
  return {
    url,
    meterSettled: () =>
      new Promise((resolve) => {
        const id = nextSettle++;
        waiting.set(id, resolve);
        worker.postMessage({ settle: id } satisfies ToDynaliteThread);
      }),
    close: async () => {
      const done = new Promise<void>((resolve) => {
        closed = resolve;
      });
      worker.postMessage({ close: true } satisfies ToDynaliteThread);
      await done;
      await worker.terminate();
    },
  };
}

function applyMeterCall(usage: UsageMeter | undefined, method: MeterCall[0], args: unknown[]) {
  if (!usage) return;
  if (method === "dynamoRead") usage.dynamoRead(...(args as Parameters<DynamoMeter["dynamoRead"]>));
  else if (method === "dynamoWrite") usage.dynamoWrite(...(args as Parameters<DynamoMeter["dynamoWrite"]>));
  else usage.dynamoFailedConditionalWrite();
}

/** Creates the cxloop table with the key schema and indexes the stack declares (TableKeys). */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const indexes = Object.values(TableKeys.indexes);
  const attributes = [
    TableKeys.partitionKey,
    TableKeys.sortKey,
    ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: "S" })),
        KeySchema: [
          { AttributeName: TableKeys.partitionKey, KeyType: "HASH" },
          { AttributeName: TableKeys.sortKey, KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: "HASH" },
            { AttributeName: index.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await untilTableActive(client, tableName);
}

/**
 * Waits until a table just created is ACTIVE. dynalite answers CreateTable with the table CREATING and writes it
 * ACTIVE a moment later (even at `createTableMs: 0`, a LevelDB write later); an item request in between is a
 * ResourceNotFoundException, which a loaded machine made happen.
 */
export async function untilTableActive(client: DynamoDBClient, tableName: string): Promise<void> {
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 }, { TableName: tableName });
}
