import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize } from "node:path";
import { buildConsole } from "../web/build";
import { sitePathFor } from "../web/site-paths";
import { WIDGET_MAX_AGE_SECONDS, WIDGET_PATH } from "../web/widget/served-at";

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
const CONSOLE_HEADERS = { "cache-control": "no-cache", ...SECURITY_HEADERS };
/** As CloudFront's widget behaviour answers on AWS: any site may embed it, and it is cached a while. */
const WIDGET_HEADERS = {
  "cache-control": `public, max-age=${WIDGET_MAX_AGE_SECONDS}`,
  "access-control-allow-origin": "*",
  "cross-origin-resource-policy": "cross-origin",
  "x-content-type-options": "nosniff",
};
/** Locally people sign in on the runtime's own page; the console reads this at boot as it reads S3's copy on AWS. */
const LOCAL_CONFIG = JSON.stringify({ signIn: { kind: "local", url: "/_local/sign-in" } });

/**
 * The console as `npm start` serves it at `/`: built from `web/` at start (esbuild takes well under a
 * second), then static files; any other path is the app's own route and gets index.html, as the
 * CloudFront function rewrites it on AWS. The same build holds the widget, served at `/v1/widget.js`.
 */
export class ConsoleSite {
  private constructor(private readonly dir: string) {}

  static async build(dataDir: string): Promise<ConsoleSite> {
    const dir = join(dataDir, "console");
    await buildConsole({ outDir: dir });
    return new ConsoleSite(dir);
  }

  /**
   * Answers a GET for a console path, or for the widget (`/v1/widget.js`); false when the path is neither (the
   * caller answers 404).
   */
  async serve(path: string, response: ServerResponse): Promise<boolean> {
    if (path === "/config.json") return this.send(response, ".json", LOCAL_CONFIG, CONSOLE_HEADERS);
    if (path === WIDGET_PATH) return this.sendFile(response, WIDGET_PATH, WIDGET_HEADERS);
    return this.sendFile(response, sitePathFor(normalize(path)), CONSOLE_HEADERS);
  }

  private async sendFile(response: ServerResponse, file: string, headers: Record<string, string>): Promise<boolean> {
    let body: Buffer;
    try {
      body = await readFile(join(this.dir, file));
    } catch {
      return false;
    }
    return this.send(response, extname(file), body, headers);
  }

  private send(
    response: ServerResponse,
    extension: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): true {
    response.writeHead(200, { "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream", ...headers });
    response.end(body);
    return true;
  }
}
