import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTable, type LocalDynamo, startDynalite } from "../../local/dynamodb";
import { UsageMeter } from "../../local/usage";

/** The local stand-in's TransactWriteItems, which the case stats counters rely on: all or nothing, as DynamoDB's. */
const TABLE = "cxloop-transactions";
let dynamo: LocalDynamo;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
const usage = new UsageMeter(false);

beforeAll(async () => {
  dynamo = await startDynalite({ usage });
  client = new DynamoDBClient({ endpoint: dynamo.url });
  doc = DynamoDBDocumentClient.from(client);
  await ensureTable(client, TABLE);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const get = async (pk: string) =>
  (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: "X" }, ConsistentRead: true }))).Item;
const bump = (pk: string) => ({
  Update: {
    TableName: TABLE,
    Key: { pk, sk: "X" },
    UpdateExpression: "ADD n :one",
    ExpressionAttributeValues: { ":one": 1 },
  },
});

describe("TransactWriteItems on dynalite", () => {
  it("writes every item, indexes included, when every condition holds", async () => {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { pk: "a", sk: "X", v: 1, gsi1pk: "G", gsi1sk: "a" },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          bump("counter"),
        ],
      }),
    );
    expect(await get("a")).toMatchObject({ v: 1 });
    expect(await get("counter")).toMatchObject({ n: 1 });
    const indexed = await doc.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :g",
        ExpressionAttributeValues: { ":g": "G" },
      }),
    );
    expect(indexed.Items?.map((item) => item.pk)).toEqual(["a"]);
  });

  it("writes nothing when one condition fails, and says which, in request order", async () => {
    const cancelled = await doc
      .send(
        new TransactWriteCommand({
          TransactItems: [
            bump("other"),
            {
              Put: {
                TableName: TABLE,
                Item: { pk: "a", sk: "X", v: 2 },
                ConditionExpression: "v = :v",
                ExpressionAttributeValues: { ":v": 9 },
              },
            },
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: "counter", sk: "X" },
                ConditionExpression: "attribute_exists(pk)",
              },
            },
          ],
        }),
      )
      .catch((error: unknown) => error);
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect((cancelled as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual([
      "None",
      "ConditionalCheckFailed",
      "None",
    ]);
    expect(await get("other")).toBeUndefined();
    expect(await get("a")).toMatchObject({ v: 1 });
  });

  it("refuses two operations on one item", async () => {
    await expect(doc.send(new TransactWriteCommand({ TransactItems: [bump("b"), bump("b")] }))).rejects.toThrow(
      /multiple operations on one item/,
    );
    expect(await get("b")).toBeUndefined();
  });

  it("applies a request repeated with its ClientRequestToken once, as a retrying SDK sends it", async () => {
    const request = {
      TransactItems: [
        {
          Update: {
            TableName: TABLE,
            Key: { pk: { S: "t" }, sk: { S: "X" } },
            UpdateExpression: "ADD n :one",
            ExpressionAttributeValues: { ":one": { N: "1" } },
          },
        },
      ],
      ClientRequestToken: "retry-1",
    };
    await client.send(new TransactWriteItemsCommand(request));
    await client.send(new TransactWriteItemsCommand(request));
    expect(await get("t")).toMatchObject({ n: 1 });
  });

  it("bills transactional writes at twice the table's write units", async () => {
    usage.reset();
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: "plain", sk: "X" } }));
    const plain = usage.report().dynamodb.writeUnits;
    usage.reset();
    await doc.send(
      new TransactWriteCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: { pk: "tx", sk: "X" } } }] }),
    );
    expect(usage.report().dynamodb.writeUnits).toBe(2 * plain);
  });
});
