import { describe, expect, it } from "vitest";
import {
  type IndexDefinition,
  type Item,
  itemSize,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  payloadChunks,
  putEventsEntrySize,
  readUnits,
  type TableDefinition,
  UsageMeter,
  writeUnits,
} from "../../local/usage";

const GB = 1024 ** 3;

describe("DynamoDB item sizes", () => {
  it.each<[string, Item, number]>([
    ["a string: name and value in UTF-8", { pk: { S: "abc" } }, 2 + 3],
    ["a multi-byte string", { c: { S: "é" } }, 1 + 2],
    ["a number: a byte per two significant digits, plus one", { n: { N: "123.45" } }, 1 + 3 + 1],
    ["a number's leading and trailing zeros do not count", { n: { N: "-0.00100" } }, 1 + 1 + 1],
    ["binary, decoded", { b: { B: Buffer.from([1, 2, 3]).toString("base64") } }, 1 + 3],
    ["a boolean and a null", { t: { BOOL: true }, z: { NULL: true } }, 1 + 1 + 1 + 1],
    ["a string set", { s: { SS: ["a", "bc"] } }, 1 + 3],
    ["a list: 3 bytes, and 1 per element", { l: { L: [{ N: "1" }, { S: "ab" }] } }, 1 + 3 + (1 + 2) + (1 + 2)],
    ["a map: 3 bytes, and 1 per element beside its name", { m: { M: { a: { S: "x" } } } }, 1 + 3 + (1 + 1 + 1)],
  ])("%s", (_, item, size) => {
    expect(itemSize(item)).toBe(size);
  });
});

describe("DynamoDB read units", () => {
  it.each([
    [0, false, 0.5],
    [0, true, 1],
    [4096, false, 0.5],
    [4097, false, 1],
    [4097, true, 2],
    [10 * 1024, true, 3],
  ])("%i bytes, consistent %s: %d units", (bytes, consistent, units) => {
    expect(readUnits(bytes, consistent)).toBe(units);
  });
});

describe("DynamoDB write units, indexes included", () => {
  const index = (name: string, projection: IndexDefinition["Projection"]): IndexDefinition => ({
    IndexName: name,
    KeySchema: [{ AttributeName: `${name}pk` }, { AttributeName: `${name}sk` }],
    Projection: projection,
  });
  const table: TableDefinition = {
    KeySchema: [{ AttributeName: "pk" }, { AttributeName: "sk" }],
    GlobalSecondaryIndexes: [
      index("all", { ProjectionType: "ALL" }),
      index("keys", { ProjectionType: "KEYS_ONLY" }),
      index("some", { ProjectionType: "INCLUDE", NonKeyAttributes: ["name"] }),
    ],
  };
  // 6 bytes of key, 1504 of blob: 1510 bytes, two 1 KB units.
  const base: Item = { pk: { S: "p" }, sk: { S: "s" }, blob: { S: "x".repeat(1500) } };
  const inAll: Item = { ...base, allpk: { S: "a" }, allsk: { S: "1" } };

  it("a new item no index has: the table only, the larger size in 1 KB units", () => {
    expect(writeUnits(table, undefined, base)).toEqual({ table: 2, byIndex: {} });
  });

  it("an item put into an index: one write of the entry's size", () => {
    expect(writeUnits(table, undefined, inAll)).toEqual({ table: 2, byIndex: { all: 2 } });
  });

  it("an item taken out of an index: one write", () => {
    const { allpk: _, ...withoutKey } = inAll;
    expect(writeUnits(table, inAll, withoutKey)).toEqual({ table: 2, byIndex: { all: 1 } });
  });

  it("an index key changed: a delete and a put", () => {
    expect(writeUnits(table, inAll, { ...inAll, allpk: { S: "b" } })).toEqual({ table: 2, byIndex: { all: 1 + 2 } });
  });

  it("the same index keys, a projected attribute changed: one write of the new size", () => {
    const grown = { ...inAll, blob: { S: "y".repeat(2100) } };
    expect(writeUnits(table, inAll, grown)).toEqual({ table: 3, byIndex: { all: 3 } });
  });

  it("a write that leaves an index's entry as it was costs that index nothing", () => {
    expect(writeUnits(table, inAll, { ...inAll })).toEqual({ table: 2, byIndex: {} });
  });

  it("sizes a KEYS_ONLY or INCLUDE entry by what it projects, and charges it only when that changes", () => {
    const inKeys = { ...base, keyspk: { S: "k" }, keyssk: { S: "1" } };
    expect(writeUnits(table, undefined, inKeys)).toEqual({ table: 2, byIndex: { keys: 1 } });
    expect(writeUnits(table, inKeys, { ...inKeys, blob: { S: "z" } })).toEqual({ table: 2, byIndex: {} });

    const inSome = { ...base, somepk: { S: "s" }, somesk: { S: "1" }, name: { S: "Ada" } };
    expect(writeUnits(table, undefined, inSome)).toEqual({ table: 2, byIndex: { some: 1 } });
    expect(writeUnits(table, inSome, { ...inSome, blob: { S: "z" } })).toEqual({ table: 2, byIndex: {} });
    expect(writeUnits(table, inSome, { ...inSome, name: { S: "Grace" } })).toEqual({ table: 2, byIndex: { some: 1 } });
  });

  it("a delete: the old item's size; a delete of nothing still one unit", () => {
    expect(writeUnits(table, inAll, undefined)).toEqual({ table: 2, byIndex: { all: 1 } });
    expect(writeUnits(table, undefined, undefined)).toEqual({ table: 1, byIndex: {} });
  });

  it("a write whose condition failed: one write unit, counted apart too", () => {
    const meter = new UsageMeter(false);
    meter.dynamoFailedConditionalWrite();
    expect(meter.report().dynamodb).toMatchObject({ writeUnits: 1, failedConditionalWrites: 1 });
  });
});

describe("payload chunks and event sizes", () => {
  it("bills a payload per started 64 KB, at least once", () => {
    expect([0, 65_536, 65_537, 256 * 1024].map(payloadChunks)).toEqual([1, 1, 2, 4]);
  });

  it("sizes a PutEvents entry as EventBridge does: its strings in UTF-8, 14 bytes for a time", () => {
    const entry = {
      Time: new Date(),
      Source: "cxloop",
      DetailType: "Response Recorded",
      Detail: '{"a":"é"}',
      Resources: ["arn:x"],
    };
    expect(putEventsEntrySize(entry)).toBe(14 + 6 + 17 + 10 + 5);
    expect(putEventsEntrySize({ Source: "cxloop", DetailType: "x", Detail: "{}" })).toBe(6 + 1 + 2);
  });
});

describe("the usage report", () => {
  const meter = () => {
    const usage = new UsageMeter(true);
    usage.apiRequest();
    usage.apiRequest();
    usage.apiRequest();
    usage.lambdaInvocation("intake", 1000, 1024);
    usage.lambdaInvocation("intake", 500, 512);
    usage.lambdaOutput("intake", GB - 2 * PLATFORM_LOG_BYTES_PER_INVOCATION);
    usage.sqsRequest("SendMessage", 100 * 1024, false);
    usage.sqsRequest("ReceiveMessage", 300, true);
    usage.sqsRequest("CreateQueue", 300, false);
    usage.eventEntry(70 * 1024);
    usage.eventArchived(GB / 10);
    usage.eventDelivery();
    usage.dynamoWrite({ table: 2, byIndex: { gsi1: 2 } });
    usage.dynamoRead(6);
    usage.dynamoRead(2, "gsi1");
    return usage;
  };

  it("counts in AWS's units", () => {
    expect(meter().report()).toMatchObject({
      apiGateway: { requests: 3 },
      lambda: {
        invocations: 2,
        gbSeconds: 1 + 0.25,
        byFunction: { intake: { invocations: 2, gbSeconds: 1.25 } },
      },
      // A 100 KB send is two requests; the empty receive is counted apart, the queue's creation not at all.
      sqs: { requests: 2, byAction: { SendMessage: 2 }, emptyReceives: 1 },
      events: { entries: 2, deliveries: 1, archivedBytes: GB / 10 },
      dynamodb: { writeUnits: 4, readUnits: 8, writeUnitsByIndex: { gsi1: 2 }, readUnitsByIndex: { gsi1: 2 } },
      logs: { bytes: GB, byFunction: { intake: GB }, asDeployed: true },
    });
  });

  it("prices them at the list prices, and the total is the sum of the services", () => {
    const { usdByService, estimatedUsd } = meter().report();
    expect(usdByService.apiGateway).toBeCloseTo(3 * 1e-6, 12);
    expect(usdByService.lambda).toBeCloseTo(1.25 * 0.0000133334 + 2 * 0.2e-6, 12);
    expect(usdByService.sqs).toBeCloseTo(2 * 0.4e-6, 12);
    expect(usdByService.events).toBeCloseTo(2 * 1e-6 + 0.1 * 0.1, 12);
    expect(usdByService.dynamodb).toBeCloseTo(4 * 0.625e-6 + 8 * 0.125e-6, 12);
    expect(usdByService.logs).toBeCloseTo(0.5, 12);
    expect(estimatedUsd).toBeCloseTo(
      Object.values(usdByService).reduce((total, amount) => total + amount, 0),
      12,
    );
  });

  it("adds Lambda's own log lines only for a function whose system log level writes them", () => {
    const usage = new UsageMeter(true);
    usage.lambdaInvocation("intake", 10, 512, true);
    usage.lambdaInvocation("enrich", 10, 512, false);
    expect(usage.report().logs.byFunction).toEqual({ intake: PLATFORM_LOG_BYTES_PER_INVOCATION });
  });

  it("resets to zero and answers what it had counted", () => {
    const usage = meter();
    expect(usage.reset().apiGateway.requests).toBe(3);
    expect(usage.report()).toMatchObject({
      apiGateway: { requests: 0 },
      lambda: { invocations: 0, gbSeconds: 0 },
      logs: { bytes: 0 },
      estimatedUsd: 0,
    });
  });
});
