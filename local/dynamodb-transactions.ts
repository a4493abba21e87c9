import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type DynamoMeter, type Item, type TableDefinition, writeUnits } from "./usage";

/**
 * `TransactWriteItems` for dynalite, which answers it with UnknownOperationException. The case stats counters
 * are written in the same transaction as the case (docs/architecture.md, Close the loop), so the local runtime and
 * the tests need the operation to behave as DynamoDB's does: every Put, Update, Delete and ConditionCheck is
 * validated and its condition checked with dynalite's own code while every item the request names is locked,
 * and only when all conditions hold is anything written; otherwise the answer is TransactionCanceledException
 * with a reason per item, in request order. A repeated `ClientRequestToken` (the SDK sends the same one when it
 * retries) is answered without applying the writes again, as DynamoDB does for ten minutes.
 */

type Callback = (error: DynaliteError | null, result?: unknown) => void;
interface DynaliteError extends Error {
  statusCode?: number;
  body?: { __type: string; message?: string; Message?: string };
}
interface SubDb {
  lock(keys: string[], exec: (release: (done: () => void) => () => void) => void): void;
  get(key: string, cb: (error: DynaliteError | null, item?: Item) => void): void;
  put(key: string, item: Item, cb: (error: Error | null) => void): void;
  del(key: string, cb: (error: Error | null) => void): void;
}
export interface DynaliteStore {
  options: object;
  getTable(name: string, cb: (error: DynaliteError | null, table?: TableDefinition) => void): void;
  getItemDb(name: string): SubDb;
  getIndexDb(type: string, table: string, index: string): Pick<SubDb, "put" | "del">;
}
interface Db {
  createKey(item: Item, table: TableDefinition): string;
  checkConditional(data: object, existing: Item | undefined): DynaliteError | null | undefined;
  updateIndexes(
    store: DynaliteStore,
    table: TableDefinition,
    before: Item | undefined,
    after: Item | null,
    cb: (error: Error | null) => void,
  ): void;
}
interface Validation {
  types: object;
  custom?: unknown;
}
interface Validations {
  checkTypes(data: object, types: object): Record<string, unknown>;
  checkValidations(data: object, types: object, custom: unknown, store: DynaliteStore): void;
}
type Action = (store: DynaliteStore, data: Record<string, unknown>, cb: Callback) => void;

const OPERATIONS = {
  Put: "putItem",
  Update: "updateItem",
  Delete: "deleteItem",
  ConditionCheck: "deleteItem",
} as const;
type Operation = keyof typeof OPERATIONS;
const MAX_ITEMS = 100;
const TOKEN_TTL_MS = 10 * 60_000;
const TARGET = "DynamoDB_20120810.TransactWriteItems";

interface Planned {
  operation: Operation;
  data: Record<string, unknown>;
  tableName: string;
  table: TableDefinition;
  key: string;
}
interface Outcome {
  plan: Planned;
  before: Item | undefined;
  after: Item | null | undefined;
  failed?: DynaliteError;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.Message ?? body.__type));
  }
}
const validationError = (message: string) =>
  new RequestError(400, { __type: "com.amazon.coral.validate#ValidationException", message });
const asRequestError = (error: DynaliteError) =>
  error.statusCode && error.body ? new RequestError(error.statusCode, error.body) : error;

function dynaliteModules() {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("dynalite"));
  const load = <T>(path: string) => require(join(root, path)) as T;
  return {
    db: load<Db>("db/index.js"),
    validations: load<Validations>("validations/index.js"),
    validationOf: (action: string) => load<Validation>(`validations/${action}.js`),
    action: (action: string) => load<Action>(`actions/${action}.js`),
  };
}

const promised = <T>(run: (cb: (error: DynaliteError | null, value?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));

/**
 * The store an action is run against to learn what it would write: the item database reads the real items (they
 * are locked) and records the put or delete instead of doing it; the indexes and the meter are left alone.
 */
function dryRunStore(store: DynaliteStore, written: { item?: Item | null }): DynaliteStore {
  const dry = Object.create(store) as DynaliteStore;
  dry.options = {
    ...store.options,
    ...Object.fromEntries(Object.getOwnPropertySymbols(store.options).map((s) => [s, undefined])),
  };
  dry.getItemDb = (name) => {
    const real = store.getItemDb(name);
    return {
      lock: (_keys, exec) => exec((done) => done),
      get: (key, cb) => real.get(key, cb),
      put: (_key, item, cb) => {
        written.item = item;
        cb(null);
      },
      del: (_key, cb) => {
        written.item = null;
        cb(null);
      },
    };
  };
  dry.getIndexDb = () => ({ put: (_key, _item, cb) => cb(null), del: (_key, cb) => cb(null) });
  return dry;
}

export function transactionHandler(store: DynaliteStore, meterOf: (store: DynaliteStore) => DynamoMeter | undefined) {
  const { db, validations, validationOf, action } = dynaliteModules();
  const tokens = new Map<string, { body: string; at: number }>();

  async function plan(store: DynaliteStore, request: Record<string, unknown>): Promise<Planned[]> {
    const items = request.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS)
      throw validationError(`TransactItems must hold 1 to ${MAX_ITEMS} items`);
    const planned: Planned[] = [];
    const seen = new Set<string>();
    for (const entry of items as Record<string, Record<string, unknown>>[]) {
      const names = Object.keys(entry ?? {}).filter((name): name is Operation => name in OPERATIONS);
      if (names.length !== 1)
        throw validationError("each TransactItem must hold exactly one of Put, Update, Delete, ConditionCheck");
      const operation = names[0] as Operation;
      const { ReturnValuesOnConditionCheckFailure: _ignored, ...raw } = entry[operation] as Record<string, unknown>;
      if (operation === "ConditionCheck" && !raw.ConditionExpression)
        throw validationError("a ConditionCheck needs a ConditionExpression");
      const validation = validationOf(OPERATIONS[operation]);
      let data: Record<string, unknown>;
      try {
        data = validations.checkTypes(raw, validation.types);
        validations.checkValidations(data, validation.types, validation.custom, store);
      } catch (error) {
        throw asRequestError(error as DynaliteError);
      }
      const tableName = String(data.TableName);
      const table = await promised<TableDefinition>((cb) => store.getTable(tableName, cb)).catch(
        (error: DynaliteError) => {
          throw asRequestError(error);
        },
      );
      const key = db.createKey((data.Item ?? data.Key) as Item, table);
      const itemId = `${tableName}\u0000${key}`;
      if (seen.has(itemId)) throw validationError("Transaction request cannot include multiple operations on one item");
      seen.add(itemId);
      planned.push({ operation, data, tableName, table, key });
    }
    return planned;
  }

  /** Runs each item's action (or condition) dry against the locked items: what it would write, or why it fails. */
  async function evaluate(store: DynaliteStore, planned: Planned[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const item of planned) {
      const itemDb = store.getItemDb(item.tableName);
      const before = await new Promise<Item | undefined>((resolve, reject) =>
        itemDb.get(item.key, (error, found) =>
          error && error.name !== "NotFoundError" ? reject(error) : resolve(error ? undefined : found),
        ),
      );
      if (item.operation === "ConditionCheck") {
        const failed = db.checkConditional(item.data, before) ?? undefined;
        outcomes.push({ plan: item, before, after: undefined, failed });
        continue;
      }
      const written: { item?: Item | null } = {};
      const failed = await new Promise<DynaliteError | undefined>((resolve) =>
        action(OPERATIONS[item.operation])(dryRunStore(store, written), item.data, (error) =>
          resolve(error ?? undefined),
        ),
      );
      outcomes.push({ plan: item, before, after: written.item, failed });
    }
    return outcomes;
  }

  async function apply(store: DynaliteStore, outcomes: Outcome[]) {
    const meter = meterOf(store);
    for (const { plan: item, before, after } of outcomes) {
      const units = writeUnits(item.table, before, after ?? undefined);
      if (after === undefined) {
        // A ConditionCheck is billed as a transactional write of the item it read.
        meter?.dynamoWrite({ table: 2 * units.table, byIndex: {} });
        continue;
      }
      // Transactional writes cost twice the table's units; updateIndexes meters the first half and the indexes.
      meter?.dynamoWrite({ table: units.table, byIndex: {} });
      await promised<void>((cb) => db.updateIndexes(store, item.table, before, after, cb));
      const itemDb = store.getItemDb(item.tableName);
      await promised<void>((cb) => (after ? itemDb.put(item.key, after, cb) : itemDb.del(item.key, cb)));
    }
  }

  /** Locks every item the request names, table by table in name order, and runs `work` while they are held. */
  function locked<T>(store: DynaliteStore, planned: Planned[], work: () => Promise<T>): Promise<T> {
    const byTable = new Map<string, string[]>();
    for (const item of planned) byTable.set(item.tableName, [...(byTable.get(item.tableName) ?? []), item.key]);
    const tables = [...byTable.keys()].sort();
    const hold = (index: number): Promise<T> => {
      const table = tables[index];
      if (table === undefined) return work();
      return new Promise<T>((resolve, reject) =>
        store.getItemDb(table).lock(byTable.get(table) as string[], (release) => {
          const done = release(() => undefined);
          hold(index + 1).then(
            (value) => {
              done();
              resolve(value);
            },
            (error: unknown) => {
              done();
              reject(error);
            },
          );
        }),
      );
    };
    return hold(0);
  }

  async function transact(body: string): Promise<Record<string, unknown>> {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new RequestError(400, { __type: "com.amazon.coral.service#SerializationException" });
    }
    const now = Date.now();
    for (const [token, seen] of tokens) if (now - seen.at > TOKEN_TTL_MS) tokens.delete(token);
    const token = typeof request.ClientRequestToken === "string" ? request.ClientRequestToken : undefined;
    const { ClientRequestToken: _token, ...rest } = request;
    const fingerprint = JSON.stringify(rest);
    const earlier = token === undefined ? undefined : tokens.get(token);
    if (earlier) {
      if (earlier.body !== fingerprint)
        throw new RequestError(400, {
          __type: "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
          message: "ClientRequestToken was used with a different request",
        });
      return {};
    }
    const planned = await plan(store, request);
    return locked(store, planned, async () => {
      const outcomes = await evaluate(store, planned);
      if (outcomes.some((outcome) => outcome.failed)) {
        const meter = meterOf(store);
        const reasons = outcomes.map(({ failed }) => {
          if (!failed) return { Code: "None" };
          const type = failed.body?.__type ?? "";
          if (type.endsWith("#ConditionalCheckFailedException")) {
            meter?.dynamoFailedConditionalWrite();
            return { Code: "ConditionalCheckFailed", Message: "The conditional request failed" };
          }
          return { Code: "ValidationError", Message: failed.body?.message ?? failed.message };
        });
        throw new RequestError(400, {
          __type: "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
          Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(", ")}]`,
          CancellationReasons: reasons,
        });
      }
      await apply(store, outcomes);
      if (token !== undefined) tokens.set(token, { body: fingerprint, at: Date.now() });
      return {};
    });
  }

  const send = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    const text = JSON.stringify(body);
    res.statusCode = status;
    res.setHeader("Content-Type", "application/x-amz-json-1.0");
    res.setHeader("Content-Length", Buffer.byteLength(text));
    res.end(text);
  };

  return {
    /** Whether the request is a TransactWriteItems call, which this handler answers instead of dynalite. */
    handles: (req: IncomingMessage) => req.method === "POST" && req.headers["x-amz-target"] === TARGET,
    handle(req: IncomingMessage, res: ServerResponse) {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        transact(Buffer.concat(chunks).toString()).then(
          (body) => send(res, 200, body),
          (error: unknown) => {
            if (error instanceof RequestError) return send(res, error.status, error.body);
            send(res, 500, { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: String(error) });
          },
        );
      });
    },
  };
}

/** Puts the transaction handler in front of dynalite's own request handler. */
export function serveTransactions(server: Server, handler: ReturnType<typeof transactionHandler>) {
  const dynalite = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (handler.handles(req)) return handler.handle(req, res);
    for (const listener of dynalite) listener.call(server, req, res);
  });
}
