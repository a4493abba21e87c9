import { randomUUID } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type EventPattern, matchesEventPattern, parseEventPattern } from "../lambdas/core/event-pattern";
import { LOCAL_ACCOUNT, LOCAL_REGION, localArn } from "./aws-local";
import type { BusEvent } from "./eventbridge";
import type { LambdaHost } from "./lambda-host";
import type { RuleSpec, TargetSpec } from "./template";

/** EventBridge retries failed deliveries with backoff; locally a few quick attempts show the behaviour. */
const DELIVERY_ATTEMPTS = 3;
const BACKOFF_MS = [200, 1000];

export interface RouterDeps {
  functions: Map<string, LambdaHost>;
  queueUrls: Map<string, string>;
  sqs: SQSClient;
  log: (line: string) => void;
}

interface CompiledRule {
  spec: RuleSpec;
  pattern?: EventPattern;
}

/** Delivers bus events to the targets of every enabled rule whose pattern matches, as EventBridge does. */
export class EventRouter {
  private readonly rules: CompiledRule[];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    rules: RuleSpec[],
    private readonly deps: RouterDeps,
  ) {
    this.rules = rules.map((spec) => ({
      spec,
      ...(spec.eventPattern ? { pattern: parseEventPattern(spec.eventPattern) } : {}),
    }));
  }

  route(event: BusEvent) {
    for (const { spec, pattern } of this.rules) {
      if (!spec.enabled || !pattern || spec.busName !== event["event-bus-name"]) continue;
      if (!matchesEventPattern(pattern, event)) continue;
      for (const target of spec.targets) this.track(this.deliver(spec, target, event));
    }
  }

  /** The event a scheduled rule sends its targets. */
  scheduledEvent(rule: RuleSpec): BusEvent {
    return {
      version: "0",
      id: randomUUID(),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: LOCAL_ACCOUNT,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: LOCAL_REGION,
      resources: [localArn("events", `rule/${rule.logicalId}`)],
      detail: {},
      "event-bus-name": "default",
    };
  }

  /** Runs a scheduled rule's targets now and resolves when they have finished. */
  async fireSchedule(rule: RuleSpec): Promise<void> {
    const event = this.scheduledEvent(rule);
    await Promise.all(rule.targets.map((target) => this.deliver(rule, target, event)));
  }

  /** Resolves once every delivery in progress has finished (Ctrl-C drains). */
  async drain() {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(delivery: Promise<void>) {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(rule: RuleSpec, target: TargetSpec, event: BusEvent): Promise<void> {
    const payload = target.input !== undefined ? JSON.parse(target.input) : event;
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
      try {
        if (target.kind === "lambda") {
          const fn = this.deps.functions.get(target.functionLogicalId);
          if (!fn) throw new Error(`function ${target.functionLogicalId} is not running`);
          await fn.invoke(payload);
        } else {
          const url = this.deps.queueUrls.get(target.queueLogicalId);
          if (!url) throw new Error(`queue ${target.queueLogicalId} does not exist`);
          await this.deps.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(payload) }));
        }
        return;
      } catch (error) {
        if (attempt === DELIVERY_ATTEMPTS) {
          this.deps.log(
            `rule ${rule.logicalId} → ${target.id}: gave up after ${attempt} attempts: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt - 1] ?? 1000));
      }
    }
  }
}
