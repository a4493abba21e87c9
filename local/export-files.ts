import { createReadStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { readRequestBody } from "./api-gateway";

/** Where the local runtime takes export files that go to S3 on AWS, and serves them back (the "presigned" URL). */
export const EXPORTS_PATH = "/_local/exports";
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** One step's part, or a combined file; far above what a laptop's export makes. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

/** The export bucket's stand-in: `<data dir>/exports/…`, PUT by the export function, GET by whoever holds the URL. */
export class LocalExportFiles {
  constructor(private readonly dir: string) {}

  async handle(request: IncomingMessage, response: ServerResponse, name: string) {
    const segments = name.split("/").map(decodeURIComponent);
    if (!segments.every((segment) => SEGMENT.test(segment)) || !name.endsWith(".gz"))
      return send(response, 400, "a file name is path segments of [A-Za-z0-9._-] ending in .gz");
    const file = join(this.dir, ...segments);
    if (request.method === "PUT") {
      const body = await readRequestBody(request);
      if (body.length > MAX_FILE_BYTES) return send(response, 413, "file too large");
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
      return send(response, 201, "stored");
    }
    if (request.method !== "GET") return send(response, 405, "GET or PUT");
    if (!existsSync(file)) return send(response, 404, "no such file");
    response.writeHead(200, {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${segments.at(-1)}"`,
    });
    createReadStream(file).pipe(response);
  }
}

function send(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { "content-type": "text/plain" });
  response.end(text);
}
