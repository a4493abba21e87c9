import { createReadStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { readRequestBody } from "./api-gateway";

/** What one private S3 bucket of the stack holds, as the local runtime stands in for it. */
export interface LocalBucketSpec {
  /** Where the runtime serves it: functions PUT objects under it, the object's "presigned" URL GETs them. */
  path: string;
  suffix: string;
  contentType: string;
  maxBytes: number;
  /** Served as an attachment (a download), not shown inline. */
  download?: boolean;
}

/** The digest's charts (a Slack image block shows them). */
export const CHART_FILES: LocalBucketSpec = {
  path: "/_local/outbox/files",
  suffix: ".png",
  contentType: "image/png",
  maxBytes: 5 * 1024 * 1024,
};
/** Export parts and files; the limit is far above what a laptop's export makes. */
export const EXPORT_FILES: LocalBucketSpec = {
  path: "/_local/exports",
  suffix: ".gz",
  contentType: "application/gzip",
  maxBytes: 1024 * 1024 * 1024,
  download: true,
};
export const LOCAL_BUCKETS = [CHART_FILES, EXPORT_FILES] as const;

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A bucket's stand-in: objects kept under a directory of the data dir, PUT and GET by their key. */
export class LocalBucket {
  constructor(
    readonly spec: LocalBucketSpec,
    private readonly dir: string,
  ) {}

  owns(path: string): boolean {
    return path.startsWith(`${this.spec.path}/`);
  }

  async handle(request: IncomingMessage, response: ServerResponse, path: string) {
    const name = path.slice(this.spec.path.length + 1);
    const segments = name.split("/").map(decodeURIComponent);
    if (!segments.every((segment) => SEGMENT.test(segment)) || !name.endsWith(this.spec.suffix))
      return send(response, 400, `a file name is path segments of [A-Za-z0-9._-] ending in ${this.spec.suffix}`);
    const file = join(this.dir, ...segments);
    if (request.method === "PUT") {
      const body = await readRequestBody(request);
      if (body.length > this.spec.maxBytes) return send(response, 413, "file too large");
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
      return send(response, 201, "stored");
    }
    if (request.method !== "GET") return send(response, 405, "GET or PUT");
    if (!existsSync(file)) return send(response, 404, "no such file");
    response.writeHead(200, {
      "content-type": this.spec.contentType,
      ...(this.spec.download ? { "content-disposition": `attachment; filename="${segments.at(-1)}"` } : {}),
    });
    createReadStream(file).pipe(response);
  }
}

function send(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { "content-type": "text/plain" });
  response.end(text);
}
