import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { MetricsStore } from "../../lambdas/adapters/metrics-store";
import { ensureTable, startDynalite } from "../../local/dynamodb";

const localClient = (url: string) =>
  new DynamoDBClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });

type QueryInput = { ConsistentRead?: boolean; ExpressionAttributeValues?: Record<string, unknown> };

/** dynalite with the cxloop table and the metrics store on it, for the metrics integration tests. */
export async function startMetricsStore(tableName: string) {
  const dynamo = await startDynalite();
  const raw = localClient(dynamo.url);
  await ensureTable(raw, tableName);
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    client,
    store: new MetricsStore(client, tableName),
    /**
     * Another writer's store, whose first consistent Query that `holds` picks is answered and then held
     * until `meanwhile` has run: what that writer read is then stale. `held()` says whether it happened.
     */
    heldWriter(holds: (input: QueryInput) => boolean, meanwhile: () => Promise<void>) {
      const held = DynamoDBDocumentClient.from(localClient(dynamo.url));
      let pending: (() => Promise<void>) | null = meanwhile;
      held.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const input = args.input as QueryInput;
          if (context.commandName === "QueryCommand" && input.ConsistentRead && pending && holds(input)) {
            const run = pending;
            pending = null;
            await run();
          }
          return result;
        },
        { step: "initialize" },
      );
      return {
        store: new MetricsStore(held, tableName),
        held: () => pending === null,
        destroy: () => held.destroy(),
      };
    },
    stop: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}
