import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { ACTION_PLANS_PARTITION, actionPlanKey } from "../contracts/table";
import type { ActionPlan, ActionPlanStorePort } from "../core/action-plans";
import { conditionHeld } from "./conditional-write";

const withoutKeys = ({ pk: _pk, sk: _sk, ...plan }: Record<string, unknown>) => plan as unknown as ActionPlan;

/** Action plans in the single table, one item each, changed with optimistic concurrency on `version`. */
export class ActionPlanStore implements ActionPlanStorePort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(plan: ActionPlan): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...actionPlanKey(plan.id), ...plan },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
  }

  async get(id: string): Promise<ActionPlan | null> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: actionPlanKey(id), ConsistentRead: true }),
    );
    return Item ? withoutKeys(Item) : null;
  }

  async list(): Promise<ActionPlan[]> {
    const plans: ActionPlan[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": ACTION_PLANS_PARTITION },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) plans.push(withoutKeys(item));
    return plans;
  }

  replace(plan: ActionPlan): Promise<boolean> {
    return conditionHeld(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...actionPlanKey(plan.id), ...plan },
          ConditionExpression: "#version = :previous",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":previous": plan.version - 1 },
        }),
      ),
    );
  }
}
