import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { surveyLinkKey, TableKeys } from "../contracts/table";
import type { LedgerOutcome, LinkProgress, SurveyLinkLedger } from "../core/survey-links";
import { conditionHeld } from "./conditional-write";

/** One small item per answered link; it expires with the link, after which the token is refused anyway. */
export class SurveyLinkLedgerStore implements SurveyLinkLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async progress(jti: string): Promise<LinkProgress> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: surveyLinkKey(jti), ConsistentRead: true }),
    );
    if (!Item) return null;
    return {
      score: Item.score as number,
      scoredAt: Item.scoredAt as string,
      commentHash: (Item.commentHash as string | undefined) ?? null,
    };
  }

  async claimScore(jti: string, claim: NonNullable<LinkProgress>, keepUntil: Date): Promise<LedgerOutcome> {
    const written = await conditionHeld(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...surveyLinkKey(jti),
            score: claim.score,
            scoredAt: claim.scoredAt,
            ...(claim.commentHash ? { commentHash: claim.commentHash } : {}),
            [TableKeys.ttlAttribute]: Math.ceil(keepUntil.getTime() / 1000),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    if (written) return "claimed";
    const held = await this.progress(jti);
    return held?.score === claim.score && held.commentHash === claim.commentHash ? "repeated" : "taken";
  }

  async claimComment(jti: string, score: number, commentHash: string): Promise<LedgerOutcome> {
    const written = await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: surveyLinkKey(jti),
          UpdateExpression: "SET commentHash = :hash",
          ConditionExpression: "score = :score AND attribute_not_exists(commentHash)",
          ExpressionAttributeValues: { ":hash": commentHash, ":score": score },
        }),
      ),
    );
    if (written) return "claimed";
    return (await this.progress(jti))?.commentHash === commentHash ? "repeated" : "taken";
  }

  async releaseScore(jti: string, scoredAt: string): Promise<void> {
    await conditionHeld(() =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: surveyLinkKey(jti),
          ConditionExpression: "scoredAt = :at",
          ExpressionAttributeValues: { ":at": scoredAt },
        }),
      ),
    );
  }

  async releaseComment(jti: string, commentHash: string): Promise<void> {
    await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: surveyLinkKey(jti),
          UpdateExpression: "REMOVE commentHash",
          ConditionExpression: "commentHash = :hash",
          ExpressionAttributeValues: { ":hash": commentHash },
        }),
      ),
    );
  }
}
