import { randomUUID } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type EventPattern, matchesEventPattern, parseEventPattern } from "../lambdas/core/event-pattern";
import { LOCAL_ACCOUNT, LOCAL_REGION, localArn } from "./aws-local";
import type { BusEvent } from "./eventbridge";
import type { Journal } from "./journal";
import type { LambdaHost } from "./lambda-host";
import type { ArchiveSpec, RuleSpec, TargetSpec } from "./template";
import type { UsageMeter } from "./usage";

/** EventBridge retries failed deliveries with backoff; locally a few quick attempts show the behaviour. */
const DELIVERY_ATTEMPTS = 3;
const BACKOFF_MS = [200, 1000];

/** An event accepted for a rule's target and not yet delivered (nor given up on). */
export interface PendingDelivery {
  rule: string;
  target: string;
  event: BusEvent;
}

export interface RouterDeps {
  functions: Map<string, LambdaHost>;
  queueUrls: Map<string, string>;
  sqs: SQSClient;
  /** Where accepted deliveries wait until they are done, so a crash does not lose them. */
  journal: Journal<PendingDelivery>;
  log: (line: string) => void;
  /** Counts deliveries, and the bytes the archives keep. */
  usage?: UsageMeter;
}

type Outcome = "delivered" | "gave-up" | "stopped";

interface CompiledRule {
  spec: RuleSpec;
  pattern?: EventPattern;
}

/**
 * Delivers bus events to the targets of every enabled rule whose pattern matches, as EventBridge does, and
 * meters what the archives would keep (on AWS an archive is a managed rule of its own).
 */
export class EventRouter {
  private readonly rules: CompiledRule[];
  private readonly archives: { busName: string; pattern?: EventPattern }[];
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    rules: RuleSpec[],
    private readonly deps: RouterDeps,
    archives: ArchiveSpec[] = [],
  ) {
    this.rules = rules.map((spec) => ({
      spec,
      ...(spec.eventPattern ? { pattern: parseEventPattern(spec.eventPattern) } : {}),
    }));
    this.archives = archives.map((archive) => ({
      busName: archive.busName,
      ...(archive.eventPattern ? { pattern: parseEventPattern(archive.eventPattern) } : {}),
    }));
  }

  /**
   * Journals a delivery per matching rule target and starts them; resolves once they are on disk,
   * which is when PutEvents may answer.
   */
  route(event: BusEvent): Promise<void> {
    this.meterArchives(event);
    for (const { spec, pattern } of this.rules) {
      if (!spec.enabled || !pattern || spec.busName !== event["event-bus-name"]) continue;
      if (!matchesEventPattern(pattern, event)) continue;
      for (const target of spec.targets) {
        const id = `${event.id}/${spec.logicalId}/${target.id}`;
        this.deps.journal.put(id, spec.logicalId, { rule: spec.logicalId, target: target.id, event });
        this.track(this.deliverJournaled(id, spec, target, event));
      }
    }
    return this.deps.journal.synced();
  }

  private meterArchives(event: BusEvent) {
    const usage = this.deps.usage;
    if (!usage) return;
    // The event as AWS stores it: the bus's name is the local envelope's addition.
    const { "event-bus-name": busName, ...stored } = event;
    for (const archive of this.archives)
      if (archive.busName === busName && (!archive.pattern || matchesEventPattern(archive.pattern, event)))
        usage.eventArchived(Buffer.byteLength(JSON.stringify(stored)));
  }

  /** Starts the deliveries a previous run accepted and did not finish; returns how many. */
  resume(): number {
    let resumed = 0;
    for (const { id, data } of this.deps.journal.entries()) {
      const rule = this.rules.find(({ spec }) => spec.logicalId === data.rule)?.spec;
      const target = rule?.targets.find((candidate) => candidate.id === data.target);
      if (!rule || !target) {
        this.deps.log(`rule ${data.rule} → ${data.target} is no longer in the stack; its pending event is dropped`);
        this.deps.journal.remove(id);
        continue;
      }
      this.track(this.deliverJournaled(id, rule, target, data.event));
      resumed += 1;
    }
    return resumed;
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

  /** True when no rule delivery is in progress, retries included. */
  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  /** Makes no further attempts; what is not delivered stays journaled for the next start. */
  stop() {
    this.stopped = true;
  }

  private track(delivery: Promise<void>) {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliverJournaled(id: string, rule: RuleSpec, target: TargetSpec, event: BusEvent) {
    if ((await this.deliver(rule, target, event)) !== "stopped") this.deps.journal.remove(id);
  }

  private async deliver(rule: RuleSpec, target: TargetSpec, event: BusEvent): Promise<Outcome> {
    const payload = target.input !== undefined ? JSON.parse(target.input) : event;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return "stopped";
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
        this.deps.usage?.eventDelivery();
        return "delivered";
      } catch (error) {
        if (this.stopped) return "stopped";
        if (attempt === DELIVERY_ATTEMPTS) {
          this.deps.log(
            `rule ${rule.logicalId} → ${target.id}: gave up after ${attempt} attempts: ${(error as Error).message}`,
          );
          return "gave-up";
        }
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt - 1] ?? 1000));
      }
    }
  }
}
