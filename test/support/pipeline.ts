import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type AttributeValue, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { createSqsServer } from "local-aws-sqs";
import type { AbuseControl } from "../../lambdas/contracts/auth";
import { followUpConfigSchema } from "../../lambdas/contracts/follow-up-config";
import type { HandlerName } from "../../lambdas/contracts/routes";
import { hashApiKey } from "../../lambdas/core/auth";
import { ensureTable, startDynalite } from "../../local/dynamodb";
import { startLocalEventBridge } from "../../local/eventbridge";
import { queueDepth, toSqsRecord } from "../../local/sqs-poller";

export const KEYS = { submit: "test-submit-key", read: "test-read-key", admin: "test-admin-key" } as const;
export const ALLOWED_ORIGIN = "https://forms.example.com";
const TABLE = "cxloop-test";
const ACCOUNT = "123456789012";
const VISIBILITY_TIMEOUT_SECONDS = 1;
/** Waits until messages a handler failed on are visible again, as the real visibility timeout would. */
export const untilRedelivery = () =>
  new Promise((resolve) => setTimeout(resolve, VISIBILITY_TIMEOUT_SECONDS * 1000 + 100));

/** A Lambda context as the runtime passes it; handlers only read ids and the remaining time. */
export const lambdaContext = (name: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: name,
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
  memoryLimitInMB: "512",
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${name}`,
  logStreamName: "local",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export function httpEvent(
  routeKey: string,
  options: {
    body?: string;
    headers?: Record<string, string>;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(" ") as [string, string];
  return {
    version: "2.0",
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { "content-type": "application/json", ...options.headers },
    queryStringParameters: options.query,
    pathParameters: options.pathParameters,
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "vitest" },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  };
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert each
  body: any;
}

/**
 * The spine wired as on AWS, on localhost: dynalite, local-aws-sqs and the local
 * EventBridge, with the real handlers pointed at them through the SDK's
 * AWS_ENDPOINT_URL_* variables. The event-source mapping is played by `deliver`.
 * Browser-key limits are off unless a suite sets them: most suites submit hundreds from one address.
 */
export async function startPipeline(
  abuseControl: AbuseControl = {
    serverSideSubmitKeys: false,
    perKey: null,
    perSourceIp: null,
    perCustomerSurvey: null,
  },
) {
  const dynamo = await startDynalite();
  const sqsServer = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    accountId: ACCOUNT,
    queues: [
      { QueueName: "intake-dlq" },
      {
        QueueName: "intake",
        Attributes: {
          // local-aws-sqs treats 0 as "use the default" (30 s); one second keeps redelivery tests quick.
          VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:intake-dlq`,
            maxReceiveCount: 3,
          }),
        },
      },
    ],
  });
  const sqsUrl = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  const bus = await startLocalEventBridge({ recordEvents: true });

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    TABLE_NAME: TABLE,
    QUEUE_URL: `${sqsUrl}/${ACCOUNT}/intake`,
    EVENT_BUS_NAME: "cxloop",
    API_KEYS: JSON.stringify([
      { name: "web-form", sha256: hashApiKey(KEYS.submit), scopes: ["submit"] },
      { name: "analyst", sha256: hashApiKey(KEYS.read), scopes: ["read"] },
      { name: "ops", sha256: hashApiKey(KEYS.admin), scopes: ["admin"] },
    ]),
    ALLOWED_ORIGINS: JSON.stringify([ALLOWED_ORIGIN]),
    ABUSE_CONTROL: JSON.stringify(abuseControl),
    FOLLOW_UP_CONFIG: JSON.stringify(followUpConfigSchema.parse({})),
  });
  const dynamoClient = new DynamoDBClient({ endpoint: dynamo.url });
  await ensureTable(dynamoClient, TABLE);
  const sqs = new SQSClient({ endpoint: sqsUrl });
  const queueUrl = process.env.QUEUE_URL as string;
  const dlqUrl = `${sqsUrl}/${ACCOUNT}/intake-dlq`;

  const intake = (await import("../../lambdas/handlers/intake")).handler as unknown as HttpHandler;
  const enrich = (await import("../../lambdas/handlers/enrich")).handler as unknown as SqsHandler;
  const responsesApi = (await import("../../lambdas/handlers/responses-api")).handler as unknown as HttpHandler;

  const answer = async (handler: HttpHandler, event: APIGatewayProxyEventV2): Promise<HttpAnswer> => {
    const result = (await handler(event, lambdaContext("http"))) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    // Pages for people (a survey link's) are HTML; everything else is JSON.
    const isJson = result.headers["content-type"]?.startsWith("application/json");
    return {
      statusCode: result.statusCode,
      headers: result.headers,
      body: isJson ? JSON.parse(result.body) : result.body,
    };
  };

  const intakeArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:intake`;

  return {
    bus,
    sqs,
    queueUrl,
    dlqUrl,
    /** POST/GET through the real handlers, as API Gateway would invoke them; submissions come from the web form's page. */
    submit: (body: unknown, headers: Record<string, string> = {}) =>
      answer(
        intake,
        httpEvent("POST /v1/responses", {
          body: typeof body === "string" ? body : JSON.stringify(body),
          headers: { authorization: `Bearer ${KEYS.submit}`, origin: ALLOWED_ORIGIN, ...headers },
        }),
      ),
    submitBatch: (body: unknown, headers: Record<string, string> = {}) =>
      answer(
        intake,
        httpEvent("POST /v1/responses/batch", {
          body: JSON.stringify(body),
          headers: { authorization: `Bearer ${KEYS.submit}`, origin: ALLOWED_ORIGIN, ...headers },
        }),
      ),
    intake: (event: APIGatewayProxyEventV2) => answer(intake, event),
    /** Any API function, invoked as API Gateway would; the environment above configures it. */
    api: async (name: HandlerName) => {
      const handler = (await import(`../../lambdas/handlers/${name}.ts`)).handler as HttpHandler;
      return (event: APIGatewayProxyEventV2) => answer(handler, event);
    },
    read: (event: APIGatewayProxyEventV2) => answer(responsesApi, event),
    /** Receives up to `max` messages as the event-source mapping would, without deleting them. */
    receive: async (max = 10): Promise<SQSRecord[]> => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          AttributeNames: ["All"],
          WaitTimeSeconds: 0,
        }),
      );
      return (Messages ?? []).map((message) => toSqsRecord(message, intakeArn));
    },
    /** Invokes the enrichment handler with a batch and deletes what it did not report as failed. */
    deliver: async (records: SQSRecord[]): Promise<SQSBatchResponse> => {
      const result = await enrich({ Records: records }, lambdaContext("enrich"));
      const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const record of records)
        if (!failed.has(record.messageId))
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }));
      return result;
    },
    sendRaw: (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body })),
    queueDepth: (url = queueUrl) => queueDepth(sqs, url),
    /** Every stored response item, read straight from the table. */
    storedResponses: async () => {
      const { Items } = await dynamoClient.send(new ScanCommand({ TableName: TABLE }));
      return (Items ?? []).filter((item) => item.sk?.S === "RESPONSE");
    },
    /** Every item of the table, every page, unmarshalled. */
    scanTable: async () => {
      // biome-ignore lint/suspicious/noExplicitAny: raw items, which the tests read field by field
      const items: Record<string, any>[] = [];
      let key: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamoClient.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: key }));
        items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
        key = page.LastEvaluatedKey;
      } while (key);
      return items;
    },
    dynamoClient,
    tableName: TABLE,
    stop: async () => {
      await new Promise<void>((resolve) => sqsServer.close(() => resolve()));
      await bus.close();
      await dynamo.close();
    },
  };
}
export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/** Delivers the intake queue to enrichment until it is empty, as the event-source mapping would. */
export async function drain(pipeline: Pipeline): Promise<void> {
  for (let records = await pipeline.receive(); records.length > 0; records = await pipeline.receive())
    await pipeline.deliver(records);
}

/** GET /v1/metrics by day and GET /v1/drivers over `window`, as an admin: what a change must leave alone. */
export async function metricsAndDrivers(
  metricsApi: Awaited<ReturnType<Pipeline["api"]>>,
  window: { from: string; to: string },
) {
  const admin = { authorization: `Bearer ${KEYS.admin}` };
  const metrics = await metricsApi(
    httpEvent("GET /v1/metrics", { headers: admin, query: { ...window, groupBy: "day" } }),
  );
  const drivers = await metricsApi(httpEvent("GET /v1/drivers", { headers: admin, query: window }));
  if (metrics.statusCode !== 200 || drivers.statusCode !== 200)
    throw new Error(`metrics answered ${metrics.statusCode}, drivers ${drivers.statusCode}`);
  return { metrics: metrics.body, drivers: drivers.body };
}
