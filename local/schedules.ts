import awsCronParser from "aws-cron-parser";

const RATE = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** When an EventBridge schedule expression (`rate(...)` or `cron(...)`, UTC) fires next after `from`. */
export function nextFire(expression: string, from: Date): Date {
  const rate = RATE.exec(expression);
  if (rate) {
    const unit = (rate[2] as string).replace(/s$/, "");
    const amount = Number(rate[1]);
    if (amount < 1 || (amount === 1) !== !(rate[2] as string).endsWith("s"))
      throw new Error(`invalid schedule expression ${expression}: use rate(1 minute) or rate(N minutes)`);
    return new Date(from.getTime() + amount * (UNIT_MS[unit] as number));
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const next = awsCronParser.next(awsCronParser.parse(cron[1] as string), from);
    if (!next) throw new Error(`schedule ${expression} never fires again`);
    return next;
  }
  throw new Error(`invalid schedule expression ${expression}: expected rate(...) or cron(...)`);
}

/** Runs `fire` at each occurrence of the expression until stopped. */
export class ScheduleTimer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly expression: string,
    private readonly fire: () => Promise<void>,
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
    const at = nextFire(this.expression, from);
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
