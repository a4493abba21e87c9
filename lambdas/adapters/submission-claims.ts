import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { submissionClaimKey } from "../contracts/table";
import type { ClaimOutcome } from "../core/submission";
import { conditionHeld } from "./conditional-write";

/**
 * Response ids claimed at intake: the first body to claim an id fixes what it means, so a retry
 * is recognised and another body under the same id is refused instead of silently dropped.
 */
export class SubmissionClaims {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(id: string, fingerprint: string, at: Date): Promise<ClaimOutcome> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...submissionClaimKey(id), fingerprint, claimedAt: at.toISOString() },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return "claimed";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: submissionClaimKey(id), ConsistentRead: true }),
    );
    return Item?.fingerprint === fingerprint ? "repeated" : "conflict";
  }

  async release(id: string, fingerprint: string): Promise<void> {
    await conditionHeld(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: submissionClaimKey(id),
          ConditionExpression: "fingerprint = :fingerprint",
          ExpressionAttributeValues: { ":fingerprint": fingerprint },
        }),
      ),
    );
  }
}
