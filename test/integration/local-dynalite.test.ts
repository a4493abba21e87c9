import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { TableKeys } from "../../lambdas/contracts/table";
import { ensureTable, type LocalDynamo, startDynalite, startDynaliteThread } from "../../local/dynamodb";
import { UsageMeter } from "../../local/usage";

/**
 * dynalite as the local runtime runs it: table descriptions kept in memory between the writes that change them,
 * on a thread of its own with the same answers, the same meter and the same data as in the runtime's own thread.
 */
const TABLE = "cxloop-thread";
const dataDir = mkdtempSync(join(tmpdir(), "cxloop-dynalite-thread-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const clientOf = (dynamo: LocalDynamo) => {
  const client = new DynamoDBClient({
    endpoint: dynamo.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return { client, doc: DynamoDBDocumentClient.from(client) };
};

/** Writes through every metered path (put, update, a transaction, a failed condition), then reads by key and index. */
async function workload(dynamo: LocalDynamo) {
  const { client, doc } = clientOf(dynamo);
  try {
    await ensureTable(client, TABLE);
    const byTime = TableKeys.indexes.byTime;
    for (let n = 0; n < 5; n++)
      await doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: {
            pk: `R#${n}`,
            sk: "R",
            [byTime.partitionKey]: "month",
            [byTime.sortKey]: `t${n}`,
            text: "x".repeat(n * 500),
          },
        }),
      );
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: "R#1", sk: "R" },
        UpdateExpression: "SET score = :s",
        ExpressionAttributeValues: { ":s": 7 },
      }),
    );
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: { pk: "C#1", sk: "C" },
              UpdateExpression: "ADD n :one",
              ExpressionAttributeValues: { ":one": 1 },
            },
          },
        ],
      }),
    );
    await expect(
      doc.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: "R#0", sk: "R" },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toThrow(/conditional/i);
    const got = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "R#1", sk: "R" }, ConsistentRead: true }));
    const listed = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: byTime.name,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": byTime.partitionKey },
        ExpressionAttributeValues: { ":pk": "month" },
      }),
    );
    return { score: got.Item?.score, listed: listed.Items?.length };
  } finally {
    client.destroy();
  }
}

describe("startDynaliteThread", () => {
  it("answers and meters as dynalite in the runtime's own thread does", async () => {
    const inProcessUsage = new UsageMeter(false);
    const inProcess = await startDynalite({ usage: inProcessUsage });
    const threadUsage = new UsageMeter(false);
    const threaded = await startDynaliteThread({ usage: threadUsage });
    try {
      const answers = await workload(inProcess);
      expect(await workload(threaded)).toEqual(answers);
      expect(answers).toEqual({ score: 7, listed: 5 });
      await threaded.meterSettled();
      const { dynamodb } = threadUsage.report();
      expect(dynamodb).toEqual(inProcessUsage.report().dynamodb);
      expect(dynamodb.failedConditionalWrites).toBe(1);
      // Index writes too, one at least per put (more for the larger items).
      expect(dynamodb.writeUnitsByIndex[TableKeys.indexes.byTime.name]).toBeGreaterThanOrEqual(5);
    } finally {
      await inProcess.close();
      await threaded.close();
    }
  });

  it("keeps what it stored under its path for the next thread on the same path", async () => {
    const path = join(dataDir, "dynamodb");
    const first = await startDynaliteThread({ path });
    await workload(first);
    await first.close();
    const second = await startDynaliteThread({ path });
    const { client, doc } = clientOf(second);
    try {
      const { Item } = await doc.send(
        new GetCommand({ TableName: TABLE, Key: { pk: "C#1", sk: "C" }, ConsistentRead: true }),
      );
      expect(Item?.n).toBe(1);
    } finally {
      client.destroy();
      await second.close();
    }
  });
});

describe("dynalite's table descriptions, kept between the writes that change them", () => {
  it("sees a table deleted, then created again, as DynamoDB does", async () => {
    const dynamo = await startDynalite();
    const { client, doc } = clientOf(dynamo);
    try {
      await ensureTable(client, TABLE);
      await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "R#1", sk: "R" } }));
      await client.send(new DeleteTableCommand({ TableName: TABLE }));
      await expect(doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "R#1", sk: "R" } }))).rejects.toThrow(
        /not found/i,
      );
      await ensureTable(client, TABLE);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(Table?.TableStatus).toBe("ACTIVE");
      expect((await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "R#1", sk: "R" } }))).Item).toBeUndefined();
      await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "R#2", sk: "R" } }));
      expect((await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: "R#2", sk: "R" } }))).Item).toEqual({
        pk: "R#2",
        sk: "R",
      });
    } finally {
      client.destroy();
      await dynamo.close();
    }
  });
});
