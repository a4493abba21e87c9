import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType, EVENT_SOURCE } from "../../lambdas/contracts/events";
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from "../../local/runtime";
import { eventually } from "../support/eventually";

const API_KEY = "e2e-local-key";
const dataDir = mkdtempSync(join(tmpdir(), "cxloop-e2e-"));
const options: LocalRuntimeOptions = {
  port: 0,
  dataDir,
  apiKey: API_KEY,
  cdkJsonPath: join(import.meta.dirname, "../../cdk.json"),
  log: () => undefined,
  // Short, so a poison message reaches its dead-letter queue in seconds; long enough that a cold enrichment
  // sandbox on a loaded machine finishes a good message before it is received a second time.
  maxVisibilityTimeoutSeconds: 3,
  adjustConfig: (config) => ({ ...config, maxReceiveCount: 2 }),
  // A rule target of our own, declared with CDK like any other, to watch Response Recorded arrive.
  extendStack: (stack) => {
    const watcher = new Queue(stack, "E2eWatcher");
    new Rule(stack, "E2eDetractors", {
      eventBus: stack.data.bus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [DetailType.ResponseRecorded],
        detail: { category: ["detractor"] },
      },
      targets: [new SqsQueue(watcher)],
    });
    new Rule(stack, "E2eHourly", {
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [new SqsQueue(new Queue(stack, "E2eTicks"))],
    });
  },
};

let runtime: LocalRuntime;
let sqs: SQSClient;
const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
const queueUrl = (logicalIdPrefix: string) => {
  const queue = runtime.topology.queues.find((q) => q.logicalId.startsWith(logicalIdPrefix));
  if (!queue) throw new Error(`no queue ${logicalIdPrefix}`);
  return `${runtime.endpoints.sqs}/000000000000/${queue.logicalId}`;
};

// biome-ignore lint/suspicious/noExplicitAny: answers are parsed JSON that the tests assert field by field
type Json = any;
const body = async (answer: Response): Promise<Json> => answer.json();

beforeAll(async () => {
  runtime = await startLocalRuntime(options);
  sqs = new SQSClient({
    endpoint: runtime.endpoints.sqs,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("local runtime over HTTP", () => {
  it("reports the stand-ins' endpoints", async () => {
    const health = await fetch(`${runtime.url}/_local/health`).then(body);
    expect(health).toEqual({ status: "ok", endpoints: runtime.endpoints });
  });

  it("accepts a response, stores the enriched record, and delivers Response Recorded to a rule target", async () => {
    const posted = await fetch(`${runtime.url}/v1/responses`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        id: "e2e-1",
        type: "nps",
        score: 2,
        comment: "Delivery was late",
        customer: { id: "c-9" },
      }),
    });
    expect(posted.status).toBe(202);
    expect(await body(posted)).toEqual({ id: "e2e-1", status: "accepted" });

    const record = await eventually(async () => {
      const answer = await fetch(`${runtime.url}/v1/responses/e2e-1`, { headers: auth });
      return answer.status === 200 ? body(answer) : undefined;
    }, 15_000);
    expect(record).toMatchObject({ id: "e2e-1", category: "detractor", themes: ["delivery"] });

    const event = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl("E2eWatcher"), WaitTimeSeconds: 1 }),
      );
      return Messages?.[0] ? JSON.parse(Messages[0].Body as string) : undefined;
    });
    expect(event).toMatchObject({
      source: "cxloop",
      "detail-type": "Response Recorded",
      detail: { id: "e2e-1", category: "detractor", schemaVersion: 2 },
    });
  });

  it("answers a bad body with a 4xx naming the field, and CORS preflights from the stage config", async () => {
    const bad = await fetch(`${runtime.url}/v1/responses`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ type: "nps", score: 42 }),
    });
    expect(bad.status).toBe(422);
    expect((await body(bad)).error.details[0].path).toBe("score");

    const preflight = await fetch(`${runtime.url}/v1/responses`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    // Outside /v1 a path is the console's (its own "not found" page); inside, an unknown route is a 404.
    const unknown = await fetch(`${runtime.url}/v1/nothing`);
    expect(unknown.status).toBe(404);
    const page = await fetch(`${runtime.url}/v2/nothing`);
    expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
  });

  it("moves a poison message to the dead-letter queue after maxReceiveCount", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl("IngestionQueue"), MessageBody: "{not json" }));
    const depth = await eventually(async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl("IngestionQueueDeadLetterQueue"),
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      const count = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
      return count > 0 ? count : undefined;
    }, 25_000);
    expect(depth).toBe(1);
  });

  it("lists scheduled rules and runs one on demand, answering when its targets are done", async () => {
    const { items } = await fetch(`${runtime.url}/_local/schedules`).then(body);
    const hourly = items.find((item: { name: string }) => item.name.startsWith("E2eHourly"));
    expect(hourly).toMatchObject({ expression: "rate(1 hour)" });
    const run = await fetch(`${runtime.url}/_local/schedules/${hourly.name}/invoke`, { method: "POST" });
    expect(await body(run)).toMatchObject({ name: hourly.name, status: "done" });
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl("E2eTicks"), WaitTimeSeconds: 0 }),
    );
    expect(JSON.parse(Messages?.[0]?.Body as string)).toMatchObject({
      source: "aws.events",
      "detail-type": "Scheduled Event",
    });
    const missing = await fetch(`${runtime.url}/_local/schedules/nope/invoke`, { method: "POST" });
    expect(missing.status).toBe(404);
  });

  it("captures Slack webhooks and SMTP mail in the outbox, newest first", async () => {
    const slack = await fetch(runtime.endpoints.slackWebhook, {
      method: "POST",
      body: JSON.stringify({ text: "Detractor: score 2", blocks: [] }),
    });
    expect(await slack.text()).toBe("ok");
    const transport = createTransport(runtime.endpoints.smtp);
    await transport.sendMail({
      from: "cxloop@example.com",
      to: "lead@example.com",
      subject: "Case overdue",
      text: "Case c-1 is past its SLA",
    });
    const { items } = await fetch(`${runtime.url}/_local/outbox`).then(body);
    const email = items.findIndex((item: Json) => item.to === "lead@example.com");
    const slackMessage = items.findIndex((item: Json) => item.kind === "slack" && item.to === "alerts");
    expect(items[email]).toMatchObject({ kind: "email", subject: "Case overdue", text: "Case c-1 is past its SLA\n" });
    expect(items[slackMessage]).toMatchObject({ subject: null, text: "Detractor: score 2" });
    expect(email).toBeLessThan(slackMessage);
    expect(items[email].at).toMatch(/^\d{4}-/);
  });

  it("keeps stored data and the outbox across a restart", async () => {
    await runtime.stop();
    runtime = await startLocalRuntime(options);
    const answer = await fetch(`${runtime.url}/v1/responses/e2e-1`, { headers: auth });
    expect(answer.status).toBe(200);
    expect((await body(answer)).id).toBe("e2e-1");
    const { items } = await fetch(`${runtime.url}/_local/outbox`).then(body);
    expect(items.length).toBeGreaterThanOrEqual(2);
  });
});
