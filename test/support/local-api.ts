import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { expect } from "vitest";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../local/runtime";

// biome-ignore lint/suspicious/noExplicitAny: answers are parsed JSON that the tests assert field by field
export type Json = any;

/**
 * The local runtime as an end-to-end suite drives it: its own data directory and key, the
 * repository's cdk.json, schedules fired only on demand, and a JSON client for its API.
 */
export function localApi(name: string) {
  const apiKey = `e2e-${name}-key`;
  const dataDir = mkdtempSync(join(tmpdir(), `cxloop-${name}-`));
  let current: LocalRuntime | undefined;
  const runtime = () => {
    if (!current) throw new Error("the local runtime is not started");
    return current;
  };

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const answer = await fetch(`${runtime().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: (await answer.json()) as Json };
  };

  return {
    apiKey,
    dataDir,
    runtime,
    call,
    start: async (options: Partial<LocalRuntimeOptions> = {}) => {
      current = await startLocalRuntime({
        port: 0,
        dataDir,
        apiKey,
        cdkJsonPath: join(import.meta.dirname, "../../cdk.json"),
        log: () => undefined,
        runSchedules: false,
        warmFunctions: false,
        ...options,
      });
      return current;
    },
    stop: async () => {
      await current?.stop();
      current = undefined;
    },
    removeData: () => rmSync(dataDir, { recursive: true, force: true }),
    /** Runs the schedule whose logical id starts with `prefix` now, and waits for it. */
    invokeSchedule: async (prefix: string) => {
      const { body } = await call("GET", "/_local/schedules");
      const schedule = body.items.find((item: Json) => item.name.startsWith(prefix));
      expect(schedule, `schedule ${prefix}`).toBeDefined();
      const invoked = await call("POST", `/_local/schedules/${schedule.name}/invoke`);
      expect(invoked.body.status).toBe("done");
    },
    /**
     * Takes the messages waiting in the queue whose logical id starts with `prefix` (e.g. a test's watcher of bus
     * events): hidden for an hour once received, so the next call sees only newer ones.
     */
    receive: async (prefix: string): Promise<Json[]> => {
      const queue = runtime().topology.queues.find((candidate) => candidate.logicalId.startsWith(prefix));
      expect(queue, `queue ${prefix}`).toBeDefined();
      const sqs = new SQSClient({
        endpoint: runtime().endpoints.sqs,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: `${runtime().endpoints.sqs}/000000000000/${queue?.logicalId}`,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 3600,
        }),
      );
      sqs.destroy();
      return (Messages ?? []).map((message) => JSON.parse(message.Body as string));
    },
    /** Every item in the table, straight from the local DynamoDB. */
    scan: async (): Promise<Json[]> => {
      const dynamo = new DynamoDBClient({
        endpoint: runtime().endpoints.dynamodb,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      const { Items } = await dynamo.send(new ScanCommand({ TableName: runtime().topology.tables[0]?.logicalId }));
      dynamo.destroy();
      return (Items ?? []).map((item) => unmarshall(item));
    },
  };
}
