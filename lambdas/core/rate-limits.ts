import { createHash } from "node:crypto";
import type { RateLimit } from "../contracts/auth";
import { ClientError } from "./client-error";

export type LimitedBy = "key" | "source-ip" | "customer-survey";

export interface CounterPort {
  /** Adds `n` to the counter of one window and answers its new total; the counter expires after `expiresAt`. */
  add(counter: string, windowStart: number, expiresAt: Date, n: number): Promise<number>;
}

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Fixed-window counters: each request adds one to the counter of the current window and is refused
 * once the total passes the limit. Subjects are hashed, so counters hold no IP address or customer id.
 */
export class RateLimiter {
  constructor(
    private readonly counters: CounterPort,
    private readonly now: () => Date,
  ) {}

  async take(by: LimitedBy, subject: string, limit: RateLimit): Promise<Verdict> {
    const now = this.now().getTime();
    const windowMs = limit.perSeconds * 1000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const windowEnd = windowStart + windowMs;
    const counter = `${by}#${createHash("sha256").update(subject, "utf8").digest("hex").slice(0, 32)}`;
    // Kept a minute past its window, for clocks that disagree a little.
    const total = await this.counters.add(counter, windowStart, new Date(windowEnd + 60_000), 1);
    if (total <= limit.requests) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
  }
}

const WHAT: Record<LimitedBy, string> = {
  key: "for this key",
  "source-ip": "from this address",
  "customer-survey": "for this customer and survey",
};

export const rateLimited = (by: LimitedBy, limit: RateLimit, retryAfterSeconds: number) =>
  new ClientError(
    "rate_limited",
    `more than ${limit.requests} requests in ${limit.perSeconds} s ${WHAT[by]}; retry after ${retryAfterSeconds} s`,
    [],
    { "retry-after": String(retryAfterSeconds) },
  );
