import { CaseStore, VersionConflictError } from "../adapters/case-store";
import { dynamoDocumentClient, eventBridgeClient } from "../adapters/clients";
import { EventPublisher } from "../adapters/event-publisher";
import { readEnv } from "../contracts/runtime-env";

/** What the case functions share: follow-up config, the case store and the bus. */
export function caseWiring() {
  const env = readEnv(["tableName", "eventBusName", "followUpConfig", "commentRetentionDays"]);
  return {
    config: env.followUpConfig,
    store: new CaseStore(dynamoDocumentClient(), env.tableName, { commentRetentionDays: env.commentRetentionDays }),
    events: new EventPublisher(eventBridgeClient(), env.eventBusName),
    now: () => new Date(),
    isConflict: (error: unknown) => error instanceof VersionConflictError,
  };
}
