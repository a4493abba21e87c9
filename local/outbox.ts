import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { readRequestBody } from "./api-gateway";

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

/** Where the local runtime takes files that go to S3 on AWS (the digest's chart), and serves them back. */
export const CHARTS_PATH = "/_local/outbox/files";
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** PNG files kept under the data directory: `PUT` files one, `GET` serves it, as a presigned S3 URL would. */
export class OutboxFiles {
  constructor(private readonly dir: string) {}

  async handle(request: IncomingMessage, response: ServerResponse, name: string) {
    const segments = name.split("/").map(decodeURIComponent);
    if (!segments.every((segment) => SEGMENT.test(segment)) || !name.endsWith(".png"))
      return send(response, 400, "text/plain", "a file name is path segments of [A-Za-z0-9._-] ending in .png");
    const file = join(this.dir, ...segments);
    if (request.method === "PUT") {
      const body = await readRequestBody(request);
      if (body.length > MAX_FILE_BYTES) return send(response, 413, "text/plain", "file too large");
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
      return send(response, 201, "text/plain", "stored");
    }
    if (!existsSync(file)) return send(response, 404, "text/plain", "no such file");
    return send(response, 200, "image/png", readFileSync(file));
  }
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer) {
  response.writeHead(status, { "content-type": type });
  response.end(body);
}
