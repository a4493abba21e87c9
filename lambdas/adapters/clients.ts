import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * SDK clients, created on first use and reused for the life of the container.
 * Endpoints are never set here: locally the SDK's own service-specific
 * variables (AWS_ENDPOINT_URL_DYNAMODB, _SQS, _EVENTBRIDGE) point them at the
 * stand-ins, so this code is identical on AWS and on a laptop.
 */
const once = <T>(create: () => T) => {
  let instance: T | undefined;
  return () => {
    instance ??= create();
    return instance;
  };
};

export const dynamoDocumentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
);
export const sqsClient = /* @__PURE__ */ once(() => new SQSClient({}));
export const eventBridgeClient = /* @__PURE__ */ once(() => new EventBridgeClient({}));
export const comprehendClient = /* @__PURE__ */ once(() => new ComprehendClient({}));
