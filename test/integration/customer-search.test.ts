import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerKey, TableKeys } from "../../lambdas/contracts/table";
import { httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * Search by email through `GET /v1/customers?q=`: profiles are found through the duplicate index, and a
 * profile stored by an older deploy (its address in the by-customer index, no duplicate-index entry) is
 * still found, and moves to the duplicate index on its next PUT.
 */
let pipeline: Pipeline;
let customersApi: Awaited<ReturnType<Pipeline["api"]>>;
const { byCustomer } = TableKeys.indexes;

const call = (routeKey: string, options: { id?: string; body?: unknown; query?: Record<string, string> }) =>
  customersApi(
    httpEvent(routeKey, {
      headers: { authorization: `Bearer ${KEYS.admin}` },
      ...(options.id ? { pathParameters: { id: options.id } } : {}),
      ...(options.query ? { query: options.query } : {}),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    }),
  );
const search = async (q: string) =>
  ((await call("GET /v1/customers", { query: { q } })).body as { items: { id: string }[] }).items.map(
    (item) => item.id,
  );

beforeAll(async () => {
  pipeline = await startPipeline();
  customersApi = await pipeline.api("customers-api");
});
afterAll(() => pipeline.stop());

describe("GET /v1/customers?q=<email>", () => {
  it("finds profiles whatever the address's case, and not another address's", async () => {
    expect(
      (await call("PUT /v1/customers/{id}", { id: "search-new", body: { email: "Grace@Search.example" } })).statusCode,
    ).toBe(201);
    expect(
      (await call("PUT /v1/customers/{id}", { id: "search-other", body: { email: "other@search.example" } }))
        .statusCode,
    ).toBe(201);
    expect(await search("grace@SEARCH.example")).toEqual(["search-new"]);
  });

  it("finds a profile an older deploy stored in the by-customer index, and moves it out on its next PUT", async () => {
    const legacy = {
      ...customerKey("search-legacy"),
      email: "Legacy@Search.example",
      name: "Lin Legacy",
      [byCustomer.partitionKey]: "EMAIL#legacy@search.example",
      [byCustomer.sortKey]: "search-legacy",
      createdAt: "2026-01-05T10:00:00.000Z",
      updatedAt: "2026-01-05T10:00:00.000Z",
    };
    await pipeline.dynamoClient.send(new PutItemCommand({ TableName: pipeline.tableName, Item: marshall(legacy) }));
    expect(await search("legacy@search.example")).toEqual(["search-legacy"]);

    const put = await call("PUT /v1/customers/{id}", { id: "search-legacy", body: { email: "Legacy@Search.example" } });
    expect(put.statusCode).toBe(200);
    const stored = (await pipeline.scanTable()).find(
      (item) => item.pk === "CUSTOMER#search-legacy" && item.sk === "PROFILE",
    );
    expect(stored?.[byCustomer.partitionKey]).toBeUndefined();
    expect(await search("LEGACY@search.example")).toEqual(["search-legacy"]);
  });
});
