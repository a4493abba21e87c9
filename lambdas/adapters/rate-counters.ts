import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { rateCounterKey, TableKeys } from "../contracts/table";
import type { CounterPort } from "../core/rate-limits";

/** Rate counters as table items: one atomic ADD per request (one write unit), gone with the table's TTL. */
export class RateCounters implements CounterPort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(counter: string, windowStart: number, expiresAt: Date, n: number): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: rateCounterKey(counter, windowStart),
        UpdateExpression: "ADD #count :n SET #expires = :expires",
        ExpressionAttributeNames: { "#count": "count", "#expires": TableKeys.ttlAttribute },
        ExpressionAttributeValues: { ":n": n, ":expires": Math.floor(expiresAt.getTime() / 1000) },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    return Number(Attributes?.count ?? n);
  }
}
