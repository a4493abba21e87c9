import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestHandler } from "local-aws-sqs";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-local";
import type { Journal } from "./journal";
import type { UsageMeter } from "./usage";

type SqsService = ReturnType<typeof createRequestHandler>["service"];
type LocalQueue = SqsService["Queues"][number];

/** A message as SendMessage gave it to local-aws-sqs, which takes it back in the same shape on replay. */
export interface JournaledMessage {
  MessageBody: string;
  MessageAttributes?: unknown;
  MessageSystemAttributes?: unknown;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  DelaySeconds?: number;
}

export interface DurableSqs {
  url: string;
  /** Messages in the queue, waiting, delayed or in flight: what the journal still holds for it. */
  queued(queueName: string): number;
  /**
   * Journals these queues from now on and puts back the messages the journal holds for them, under
   * their own message ids; receive counts start again from 0.
   */
  attach(queueNames: string[]): { restored: number; dropped: number };
  close(): Promise<void>;
}

/** local-aws-sqs's receipt handle is base64 of a random id followed by JSON naming the message. */
function messageIdOf(receiptHandle: string): string | undefined {
  try {
    const text = Buffer.from(receiptHandle, "base64").toString("utf8");
    return (JSON.parse(text.slice(text.indexOf("{"))) as { MessageId?: string }).MessageId;
  } catch {
    return undefined;
  }
}

/** The action a request names: the JSON protocol's `X-Amz-Target: AmazonSQS.<Action>`, the query protocol's `Action=`. */
function actionOf(target: string | string[] | undefined, body: Buffer): string {
  if (typeof target === "string") return target.slice(target.indexOf(".") + 1);
  return new URLSearchParams(body.toString("utf8")).get("Action") ?? "";
}

/**
 * Whether a ReceiveMessage answer (JSON, or the query protocol's XML) carries any message: every message has a
 * `MessageId` key, and an answer without messages has no body whose text could hold one. Searched, not parsed:
 * a full answer is ten bodies, and every receive is metered.
 */
function returnedMessages(answer: string): boolean {
  return answer.startsWith("{") ? answer.includes('"MessageId":') : answer.includes("<Message>");
}

/** Counts the request for the meter once it is answered: its action, and its payload in 64 KB chunks. */
function meterRequest(usage: UsageMeter, request: IncomingMessage, response: ServerResponse) {
  // local-aws-sqs reads the body with listeners of its own, attached as synchronously as this one: both see all of it.
  const received: Buffer[] = [];
  request.on("data", (chunk: Buffer) => received.push(chunk));
  const end = response.end;
  response.end = ((...args: unknown[]) => {
    const body = Buffer.concat(received);
    const action = actionOf(request.headers["x-amz-target"], body);
    // local-aws-sqs answers in one piece, through end().
    const answer = typeof args[0] === "string" || Buffer.isBuffer(args[0]) ? args[0].toString() : "";
    // A send's payload is what it sends, a receive's what it returns.
    const payloadBytes = Math.max(body.length, Buffer.byteLength(answer));
    usage.sqsRequest(action, payloadBytes, action === "ReceiveMessage" && !returnedMessages(answer));
    return Reflect.apply(end, response, args);
  }) as ServerResponse["end"];
}

/**
 * local-aws-sqs, which keeps queues in memory only, made durable: every message a queue takes (a send,
 * a move to its dead-letter queue) is journaled and every delete or purge is journaled as a removal,
 * and no answer leaves the server before what it acknowledges is fsync'd. So a message whose
 * SendMessage was answered survives a SIGKILL, and one that was being processed is delivered again.
 */
export async function startDurableSqs(options: {
  host: string;
  journal: Journal<JournaledMessage>;
  /** Counts the requests answered, by action. */
  usage?: UsageMeter;
}): Promise<DurableSqs> {
  const { journal } = options;
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: options.host,
    accountId: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
  });
  const server = createServer((request, response) => {
    if (options.usage) meterRequest(options.usage, request, response);
    // Every answer waits for the journal: what it acknowledges (a send, a delete) is on disk first.
    const end = response.end;
    response.end = ((...args: unknown[]) => {
      journal.synced().then(
        () => Reflect.apply(end, response, args),
        (error: Error) => response.destroy(error),
      );
      return response;
    }) as ServerResponse["end"];
    requestHandler(request, response).catch((error: Error) => response.destroy(error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // Queue URLs are built from the service's port, as createSqsServer sets it.
  service.PORT = port;

  const journalQueue = (queue: LocalQueue) => {
    const name = queue.QueueName;
    const setRecord = queue.setRecord;
    queue.setRecord = (input: JournaledMessage, messageId?: string) => {
      const stored = setRecord(input, messageId);
      const { MessageBody, MessageAttributes, MessageSystemAttributes, MessageGroupId, MessageDeduplicationId } = input;
      // A move to the dead-letter queue keeps the message's id, and its retention counts from when it was first sent.
      const movedFrom = messageId === undefined ? undefined : journal.get(messageId);
      journal.put(
        stored.record.MessageId,
        name,
        {
          MessageBody,
          MessageAttributes,
          MessageSystemAttributes,
          MessageGroupId,
          MessageDeduplicationId,
          DelaySeconds: input.DelaySeconds === undefined ? undefined : Number(input.DelaySeconds),
        },
        movedFrom?.at,
      );
      return stored;
    };
    const remove = queue.delete.bind(queue);
    queue.delete = (receiptHandle: string) => {
      const deleted = remove(receiptHandle);
      const id = messageIdOf(receiptHandle);
      if (id && journal.get(id)?.stream === name) journal.remove(id);
      return deleted;
    };
    const clear = queue.clearRecords.bind(queue);
    queue.clearRecords = () => {
      clear();
      journal.removeStream(name);
    };
    return setRecord;
  };

  return {
    url: `http://${options.host}:${port}`,
    queued: (queueName) => journal.count(queueName),
    attach: (queueNames) => {
      const unjournaled = new Map<string, { queue: LocalQueue; setRecord: LocalQueue["setRecord"] }>();
      for (const queue of service.Queues)
        if (queueNames.includes(queue.QueueName))
          unjournaled.set(queue.QueueName, { queue, setRecord: journalQueue(queue) });
      let restored = 0;
      let dropped = 0;
      const now = Date.now();
      for (const entry of journal.entries()) {
        const target = unjournaled.get(entry.stream);
        // A queue the stack no longer has, or a message past its retention period, is gone as it would be on AWS.
        if (!target || entry.at + target.queue.MessageRetentionPeriod * 1000 <= now) {
          journal.remove(entry.id);
          dropped += 1;
          continue;
        }
        const delayEnds = entry.at + (entry.data.DelaySeconds ?? target.queue.DelaySeconds) * 1000;
        target.setRecord({ ...entry.data, DelaySeconds: Math.max(0, Math.ceil((delayEnds - now) / 1000)) }, entry.id);
        restored += 1;
      }
      return { restored, dropped };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
