import { appendFileSync, existsSync, readFileSync } from "node:fs";

/** A Slack message or email that left (or would have left) the pipeline, as `GET /_local/outbox` shows it. */
export interface OutboxItem {
  kind: "slack" | "email";
  to: string;
  subject: string | null;
  text: string;
  payload: unknown;
  at: string;
}

/** Captured outgoing messages, kept in a JSON-lines file under the data directory so restarts keep them. */
export class Outbox {
  private readonly items: OutboxItem[];

  constructor(private readonly file: string) {
    this.items = existsSync(file)
      ? readFileSync(file, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as OutboxItem)
      : [];
  }

  add(item: Omit<OutboxItem, "at">): OutboxItem {
    const stored = { ...item, at: new Date().toISOString() };
    this.items.push(stored);
    appendFileSync(this.file, `${JSON.stringify(stored)}\n`);
    return stored;
  }

  /** Newest first. */
  list(): OutboxItem[] {
    return [...this.items].reverse();
  }
}

/** What a Slack incoming webhook receives: Block Kit JSON with a `text` fallback. */
export function slackItem(channel: string, payload: unknown): Omit<OutboxItem, "at"> {
  const text =
    payload && typeof payload === "object" && "text" in payload ? String((payload as { text: unknown }).text) : "";
  return { kind: "slack", to: channel, subject: null, text, payload };
}
