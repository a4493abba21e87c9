import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize } from "node:path";
import { buildConsole } from "../web/build";
import { sitePathFor } from "../web/site-paths";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
/** The headers CloudFront's response headers policy sets on AWS, so the console meets the same CSP here. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
};
/** Locally people sign in on the runtime's own page; the console reads this at boot as it reads S3's copy on AWS. */
const LOCAL_CONFIG = JSON.stringify({ signIn: { kind: "local", url: "/_local/sign-in" } });

/**
 * The console as `npm start` serves it at `/`: built from `web/` at start (esbuild takes well under a
 * second), then static files; any other path is the app's own route and gets index.html, as the
 * CloudFront function rewrites it on AWS.
 */
export class ConsoleSite {
  private constructor(private readonly dir: string) {}

  static async build(dataDir: string): Promise<ConsoleSite> {
    const dir = join(dataDir, "console");
    await buildConsole({ outDir: dir });
    return new ConsoleSite(dir);
  }

  /** Answers a GET for a console path; false when the path is not the console's (the caller answers 404). */
  async serve(path: string, response: ServerResponse): Promise<boolean> {
    if (path === "/config.json") return this.send(response, 200, ".json", LOCAL_CONFIG);
    const file = sitePathFor(normalize(path));
    let body: Buffer;
    try {
      body = await readFile(join(this.dir, file));
    } catch {
      return false;
    }
    return this.send(response, 200, extname(file), body);
  }

  private send(response: ServerResponse, status: number, extension: string, body: string | Buffer): true {
    response.writeHead(status, {
      "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream",
      "cache-control": "no-cache",
      ...SECURITY_HEADERS,
    });
    response.end(body);
    return true;
  }
}
