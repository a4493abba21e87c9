import { Duration, Stack } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DEAD_LETTER_RETENTION_DAYS } from "../config";
import type { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface ConsumerQueueProps {
  /** The one function that consumes the queue; its timeout sets the queue's visibility timeout. */
  consumer: CxFunction;
  observability: Observability;
  /** Receives before a message moves to the dead-letter queue (the stage's `maxReceiveCount`). */
  maxReceiveCount: number;
  batchSize: number;
  /** Needed for a batch size above 10. */
  maxBatchingWindow?: Duration;
  /** Most concurrent invocations the mapping starts, so a backlog cannot take the account's whole concurrency. */
  maxConcurrency?: number;
  /** How long an unconsumed message is kept; SQS's default (4 days) when absent. */
  retentionPeriod?: Duration;
}

const DEFAULT_MAX_CONCURRENCY = 5;

/**
 * A queue and its dead-letter queue (alarmed), consumed by one function with partial batch failures.
 * The queue is this construct's default child, so a ConsumerQueue given an existing queue's construct id
 * keeps that queue's logical id: CloudFormation would otherwise replace it and drop the messages in it.
 */
export class ConsumerQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ConsumerQueueProps) {
    super(scope, id);
    const { consumer, observability } = props;

    // A redriven message keeps its original enqueue time, so the DLQ keeps messages for SQS's maximum
    // (the stage config checks it against the erasure promise: erasure cannot reach a dead letter).
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.days(DEAD_LETTER_RETENTION_DAYS),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, "Default", {
      // AWS advises six times the consumer's timeout, so retries of a throttled batch never race a running one.
      visibilityTimeout: Duration.seconds(consumer.timeout.toSeconds() * 6),
      retentionPeriod: props.retentionPeriod,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    consumer.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
    observability.alarmOnDeadLetters(`${idBelowStack(this)}DeadLetters`, this.deadLetterQueue);
  }
}

/** The construct ids from the stack down to `scope`, joined: names the alarm after where the queue lives. */
function idBelowStack(scope: Construct): string {
  const { scopes } = scope.node;
  return scopes
    .slice(scopes.indexOf(Stack.of(scope)) + 1)
    .map((construct) => construct.node.id)
    .join("");
}
