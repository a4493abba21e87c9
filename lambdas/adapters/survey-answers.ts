import { createHash } from "node:crypto";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { surveyAnswerKey, TableKeys } from "../contracts/table";
import type { SurveyAnswerLog } from "../core/collect";
import { conditionHeld } from "./conditional-write";

const DAY_SECONDS = 86_400;
const keyOf = (customerId: string, survey: string) =>
  surveyAnswerKey(createHash("sha256").update(customerId, "utf8").digest("hex"), survey);

/** The last answer per customer and survey, one small item each (a hash, never the id), expiring after the window. */
export class SurveyAnswers implements SurveyAnswerLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async lastAnswered(customerId: string, survey: string): Promise<Date | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(customerId, survey), ConsistentRead: true }),
    );
    return typeof Item?.answeredAt === "string" ? new Date(Item.answeredAt) : null;
  }

  async recordAnswer(customerId: string, survey: string, at: Date, keepDays: number): Promise<void> {
    await conditionHeld(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(customerId, survey),
          UpdateExpression: "SET answeredAt = :at, #expires = :expires",
          // An imported older answer never moves the window back.
          ConditionExpression: "attribute_not_exists(answeredAt) OR answeredAt < :at",
          ExpressionAttributeNames: { "#expires": TableKeys.ttlAttribute },
          ExpressionAttributeValues: {
            ":at": at.toISOString(),
            ":expires": Math.floor(at.getTime() / 1000) + keepDays * DAY_SECONDS,
          },
        }),
      ),
    );
  }
}
