import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { localArn } from "../../local/aws-local";
import { type DurableSqs, type JournaledMessage, startDurableSqs } from "../../local/durable-sqs";
import { Journal } from "../../local/journal";
import { type BatchTarget, SqsPoller } from "../../local/sqs-poller";
import type { QueueMappingSpec } from "../../local/template";
import { UsageMeter } from "../../local/usage";

const VISIBILITY_SECONDS = 1;
const MAX_RECEIVES = 2;

/** A function that takes its time over each batch and fails the messages `fails` picks, counting batches in flight. */
class Consumer implements BatchTarget {
  inFlight = 0;
  mostInFlight = 0;
  readonly deliveries: { body: string; receiveCount: number }[] = [];

  constructor(
    readonly maxSandboxes: number,
    private readonly fails: (body: string, receiveCount: number) => boolean = () => false,
    private readonly ms = 100,
  ) {}

  async invoke<T>(event: unknown): Promise<T> {
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      await sleep(this.ms);
      const { Records } = event as SQSEvent;
      const failed = Records.filter((record) => {
        const receiveCount = Number(record.attributes.ApproximateReceiveCount);
        this.deliveries.push({ body: record.body, receiveCount });
        return this.fails(record.body, receiveCount);
      });
      return {
        batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })),
      } as SQSBatchResponse as T;
    } finally {
      this.inFlight -= 1;
    }
  }

  bodies(): string[] {
    return this.deliveries.map((delivery) => delivery.body).sort();
  }
}

const mapping = (maximumConcurrency?: number): QueueMappingSpec => ({
  logicalId: "WorkMapping",
  queueLogicalId: "Work",
  functionLogicalId: "Worker",
  batchSize: 5,
  batchingWindowSeconds: 0,
  reportBatchItemFailures: true,
  ...(maximumConcurrency === undefined ? {} : { maximumConcurrency }),
});

interface LocalQueues {
  local: DurableSqs;
  journal: Journal<JournaledMessage>;
  sqs: SQSClient;
  url: string;
  close(): Promise<void>;
}

const dirs: string[] = [];
const open: LocalQueues[] = [];
afterEach(async () => {
  for (const queues of open.splice(0)) await queues.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The durable local SQS on `dir`'s journal, with a work queue whose poison messages go to a dead-letter queue. */
async function queues(dir: string, usage?: UsageMeter): Promise<LocalQueues> {
  const { journal } = await Journal.open<JournaledMessage>(join(dir, "sqs.jsonl"));
  const local = await startDurableSqs({ host: "127.0.0.1", journal, ...(usage ? { usage } : {}) });
  const sqs = new SQSClient({
    region: "us-east-1",
    endpoint: local.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await sqs.send(new CreateQueueCommand({ QueueName: "Dead" }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: "Work",
      Attributes: {
        VisibilityTimeout: String(VISIBILITY_SECONDS),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: localArn("sqs", "Dead"), maxReceiveCount: MAX_RECEIVES }),
      },
    }),
  );
  local.attach(["Work", "Dead"]);
  const opened: LocalQueues = {
    local,
    journal,
    sqs,
    url: QueueUrl as string,
    close: async () => {
      open.splice(open.indexOf(opened), 1);
      sqs.destroy();
      await local.close();
      await journal.close();
    },
  };
  open.push(opened);
  return opened;
}

async function send(queues: LocalQueues, bodies: string[]) {
  for (let start = 0; start < bodies.length; start += 10)
    await queues.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.url,
        Entries: bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
}

function poller(queues: LocalQueues, spec: QueueMappingSpec, consumer: Consumer) {
  const queue = { url: queues.url, arn: localArn("sqs", "Work"), visibilityTimeoutSeconds: VISIBILITY_SECONDS };
  const started = new SqsPoller(queues.sqs, spec, queue, consumer, () => undefined);
  started.start();
  return started;
}

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "cxloop-poller-"));
  dirs.push(dir);
  return dir;
};
const messages = (count: number) => Array.from({ length: count }, (_, n) => `message-${String(n).padStart(3, "0")}`);

describe("an SQS event-source mapping's local pollers", () => {
  it("keep up to the mapping's MaximumConcurrency batches in flight, then scale back to one", async () => {
    const work = await queues(tempDir());
    const consumer = new Consumer(10, () => false, 200);
    await send(work, messages(40));
    const polling = poller(work, mapping(3), consumer);

    await expect.poll(() => work.local.queued("Work"), { timeout: 20_000 }).toBe(0);
    expect(consumer.mostInFlight).toBe(3);
    expect(consumer.bodies()).toEqual(messages(40));
    await expect.poll(() => polling.pollers, { timeout: 5_000 }).toBe(1);
    await polling.stop();
  });

  it("keep no more batches in flight than the function has sandboxes", async () => {
    const work = await queues(tempDir());
    const consumer = new Consumer(2, () => false, 150);
    await send(work, messages(30));
    const polling = poller(work, mapping(), consumer);

    expect(polling.concurrency).toBe(2);
    await expect.poll(() => work.local.queued("Work"), { timeout: 20_000 }).toBe(0);
    expect(consumer.mostInFlight).toBe(2);
    await polling.stop();
  });

  it("retry only a batch's failed messages, and move one that keeps failing to the dead-letter queue", async () => {
    const work = await queues(tempDir());
    const bodies = [...messages(18), "flaky", "poison"];
    const consumer = new Consumer(
      10,
      (body, receiveCount) => body === "poison" || (body === "flaky" && receiveCount === 1),
    );
    await send(work, bodies);
    const polling = poller(work, mapping(4), consumer);

    await expect.poll(() => work.local.queued("Work"), { timeout: 20_000 }).toBe(0);
    expect(work.local.queued("Dead")).toBe(1);
    const received = (body: string) =>
      consumer.deliveries.filter((delivery) => delivery.body === body).map((delivery) => delivery.receiveCount);
    expect(received("flaky")).toEqual([1, 2]);
    expect(received("poison")).toEqual([1, 2]);
    for (const body of messages(18)) expect(received(body)).toEqual([1]);
    await polling.stop();
  });

  it("finish every batch in flight when stopped, and lose nothing: what was not delivered comes back on restart", async () => {
    const dir = tempDir();
    const before = await queues(dir);
    const first = new Consumer(10, () => false, 400);
    await send(before, messages(40));
    const polling = poller(before, mapping(3), first);
    await expect.poll(() => first.inFlight, { timeout: 10_000 }).toBe(3);

    await polling.stop();
    expect(first.inFlight).toBe(0);
    expect(first.deliveries.length).toBeGreaterThanOrEqual(15);
    // Delivered and deleted, or still journaled: nothing in between.
    expect(before.local.queued("Work")).toBe(40 - first.deliveries.length);
    await before.close();

    const after = await queues(dir);
    const second = new Consumer(10);
    const restarted = poller(after, mapping(3), second);
    await expect.poll(() => after.local.queued("Work"), { timeout: 20_000 }).toBe(0);
    await restarted.stop();
    expect([...first.bodies(), ...second.bodies()].sort()).toEqual(messages(40));
  });
});

describe("the durable local SQS's meter", () => {
  it("counts a receive that returned nothing apart from one that returned messages", async () => {
    const usage = new UsageMeter(false);
    const work = await queues(tempDir(), usage);
    await send(work, messages(1));
    const receive = () =>
      work.sqs.send(new ReceiveMessageCommand({ QueueUrl: work.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect((await receive()).Messages).toHaveLength(1);
    expect((await receive()).Messages ?? []).toHaveLength(0);
    const { sqs } = usage.report();
    expect(sqs.byAction.ReceiveMessage).toBe(1);
    expect(sqs.emptyReceives).toBe(1);
  });
});
