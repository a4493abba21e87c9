import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import type dynaliteServer from "dynalite";
import { TableKeys } from "../lambdas/contracts/table";
import { type DynaliteStore, serveTransactions, transactionHandler } from "./dynamodb-transactions";
import { type Item, itemSize, readUnits, type TableDefinition, type UsageMeter, writeUnits } from "./usage";

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
  options: { [METER]?: UsageMeter };
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
  const meterOfRequest = new WeakMap<Request, UsageMeter>();

  const { create, updateIndexes, checkConditional, addConsumedCapacity, queryTable } = db;
  db.create = (options) => {
    const store = create(options);
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
  options: { path?: string; port?: number; usage?: UsageMeter } = {},
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
}
