import awsCronParser from "aws-cron-parser";
import { offsetAt } from "../lambdas/core/calendar";

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * When an EventBridge schedule expression (`rate(...)` or `cron(...)`) fires next after `from`. A cron runs in
 * `timeZone` (EventBridge Scheduler's `ScheduleExpressionTimezone`), UTC without one, as EventBridge rules do.
 */
export function nextFire(expression: string, from: Date, timeZone?: string): Date {
  const rate = RATE.exec(expression);
  if (rate) {
    const unit = (rate[2] as string).replace(/s$/, "");
    const amount = Number(rate[1]);
    if (amount < 1 || (amount === 1) !== !(rate[2] as string).endsWith("s"))
      throw new Error(`invalid schedule expression ${expression}: use rate(1 minute) or rate(N minutes)`);
    return new Date(from.getTime() + amount * (UNIT_MS[unit] as number));
  }
  const cron = CRON.exec(expression);
  if (!cron) throw new Error(`invalid schedule expression ${expression}: expected rate(...) or cron(...)`);
  const fields = awsCronParser.parse(cron[1] as string);
  const next = (after: Date) => {
    const at = awsCronParser.next(fields, after);
    if (!at) throw new Error(`schedule ${expression} never fires again`);
    return at;
  };
  if (!timeZone || timeZone === "UTC") return next(from);
  // The parser counts in UTC: run it on the zone's wall clock, then turn the wall-clock answer back into an instant.
  let wall = new Date(from.getTime() + offsetAt(from.getTime(), timeZone));
  for (;;) {
    const local = next(wall).getTime();
    const instant = local - offsetAt(local - offsetAt(local, timeZone), timeZone);
    // A wall-clock time the clocks fall back over comes twice; the repeat is not a new occurrence.
    if (instant > from.getTime()) return new Date(instant);
    wall = new Date(local);
  }
}

/** Runs `fire` at each occurrence of the expression until stopped. */
export class ScheduleTimer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly expression: string,
    private readonly fire: () => Promise<void>,
    private readonly timeZone?: string,
  ) {}

  start() {
    this.stopped = false;
    this.arm(new Date());
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(from: Date) {
    if (this.stopped) return;
    const at = nextFire(this.expression, from, this.timeZone);
    // Timers cannot wait longer than ~24.8 days; re-arm in steps when the next run is further away.
    const delay = Math.min(at.getTime() - Date.now(), 2 ** 31 - 1);
    this.timer = setTimeout(
      async () => {
        if (Date.now() >= at.getTime()) await this.fire().catch(() => undefined);
        this.arm(at.getTime() > Date.now() ? new Date() : at);
      },
      Math.max(0, delay),
    );
    this.timer.unref();
  }
}
