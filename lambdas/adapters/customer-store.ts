import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { customerKey } from "../contracts/table";
import type { CustomerProfile } from "../core/enrich";

/** Read side of the customer profile, as far as enrichment needs it (the profile API comes later). */
export class CustomerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getProfile(id: string): Promise<CustomerProfile | null> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: customerKey(id) }));
    if (!Item) return null;
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    return {
      id,
      email: text(Item.email),
      name: text(Item.name),
      segment: text(Item.segment),
      plan: text(Item.plan),
      annualValue: typeof Item.annualValue === "number" ? Item.annualValue : undefined,
      currency: text(Item.currency),
      renewalDate: text(Item.renewalDate),
    };
  }
}
