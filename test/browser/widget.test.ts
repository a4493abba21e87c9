import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WIDGET_PATH } from "../../web/widget/served-at";
import { expectAccessible, launchChromium } from "../support/browser";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const run = promisify(execFile);

/**
 * widget.js in a real headless Chromium, embedded by a "shop" on another origin under a strict CSP, against
 * `npm start`'s runtime: an answer goes in and is stored, a refusal is shown, a hostile stylesheet changes
 * nothing, an answer sent while offline arrives once on the next page, and every step passes axe-core.
 */
const local = localApi("widget");
const SURVEY = "post-purchase";
/** Throttled for 90 days in this stage: a customer who answered it is not asked again. */
const THROTTLED_SURVEY = "onboarding";
const OUTBOX_KEY = "cxloop.widget.outbox";
const NPS_QUESTION = "How likely are you to recommend us to a friend or colleague?";
const THANKS = "Thank you for your feedback!";
/** The first answer loads intake's and enrichment's code, which takes long on a busy machine. */
const SETTLE_MS = 60_000;

/** Everything the page can throw at the widget: the widget's own rules, in its shadow root, must still win. */
const HOSTILE_CSS = `
* { color: #fff !important; font-size: 1px !important; line-height: 0 !important; }
body { visibility: hidden; letter-spacing: -4px; text-transform: uppercase; }
button { display: none !important; width: 1px !important; background: #fff !important; }
div, p, form, label, textarea { display: none !important; }
`;

let api: string;
let browser: Browser;
let submitKey: string;
const sites: Server[] = [];
let shop: string;
/** An origin the stage's CORS lets through but the submit key is not bound to. */
let stranger: string;

/** A shop page at `origin` embedding the widget with `data-*` from `widget`, under the strictest CSP it needs. */
function servePage(request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? "/", "http://shop");
  if (url.pathname === "/hostile.css") {
    response.writeHead(200, { "content-type": "text/css" });
    return response.end(HOSTILE_CSS);
  }
  const attribute = (text: string) => text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  const widget = [...url.searchParams]
    .filter(([name]) => name !== "hostile")
    .map(([name, value]) => ` data-${name}="${attribute(value)}"`)
    .join("");
  response.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'self'; script-src ${api}; connect-src ${api}; style-src 'self'`,
  });
  response.end(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Your order</title>
    ${url.searchParams.has("hostile") ? '<link rel="stylesheet" href="/hostile.css">' : ""}
  </head>
  <body>
    <main>
      <h1>Thanks for your order</h1>
      <script src="${api}${WIDGET_PATH}" data-key="${attribute(submitKey)}"${widget}></script>
      <label>Newsletter <input type="checkbox"></label>
    </main>
  </body>
</html>`);
}

async function startSite(): Promise<string> {
  const server = createServer(servePage);
  sites.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const pageAt = (origin: string, widget: Record<string, string>, options: { hostile?: boolean } = {}) =>
  `${origin}/order?${new URLSearchParams({ ...widget, ...(options.hostile ? { hostile: "1" } : {}) })}`;

interface Visit {
  page: Page;
  context: BrowserContext;
  /** CSP violations and uncaught errors. */
  problems: string[];
  /** Every origin the page sent a request to. */
  contacted: Set<string>;
}

async function visit(url?: string): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const contacted = new Set<string>();
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("request", (request) => contacted.add(new URL(request.url()).origin));
  if (url) await page.goto(url);
  return { page, context, problems, contacted };
}

const score = (page: Page, name: string) => page.getByRole("button", { name, exact: true });
const outboxOf = (page: Page) => page.evaluate((key) => localStorage.getItem(key), OUTBOX_KEY);
const responsesOf = async (customerId: string): Promise<Json[]> =>
  (await local.call("GET", `/v1/responses?customerId=${customerId}`)).body.items;
const storedFor = (customerId: string, comment: string, timeoutMs?: number) =>
  eventually(async () => (await responsesOf(customerId)).find((item) => item.comment === comment), timeoutMs);

/** Picks `value`, writes `comment` and sends, as a person would with the mouse. */
async function answer(page: Page, value: string, comment: string) {
  await score(page, value).click();
  await page.getByRole("textbox", { name: "Comment", exact: true }).fill(comment);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

beforeAll(async () => {
  [shop, stranger] = await Promise.all([startSite(), startSite()]);
  const throttled = { surveys: { [THROTTLED_SURVEY]: { throttleDays: 90 } } };
  [api, browser] = await Promise.all([
    local
      .start({ adjustConfig: (config) => ({ ...config, allowedOrigins: [shop, stranger], ...throttled }) })
      .then((runtime) => runtime.url),
    launchChromium(),
  ]);
  const created = await local.call("POST", "/v1/keys", {
    name: "shop widget",
    scopes: ["submit"],
    allowedOrigins: [shop],
  });
  expect(created.status).toBe(201);
  submitKey = created.body.key;
  // The throttled customer's earlier answer; also loads intake's and enrichment's code before any page waits.
  const earlier = { id: "widget-earlier", type: "nps", score: 8, survey: THROTTLED_SURVEY, customer: { id: "c-told" } };
  expect((await local.call("POST", "/v1/responses", earlier)).status).toBe(202);
  await eventually(
    async () => ((await local.call("GET", "/v1/responses/widget-earlier")).status === 200 ? true : undefined),
    SETTLE_MS,
  );
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await local.stop();
  local.removeData();
  for (const server of sites) server.close();
});

describe("widget.js", () => {
  it("is served as a cacheable script any site may embed, at most 15 KB gzipped", async () => {
    const answer = await fetch(`${api}${WIDGET_PATH}`);
    expect(answer.status).toBe(200);
    expect(Object.fromEntries(answer.headers)).toMatchObject({
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
      "access-control-allow-origin": "*",
      "cross-origin-resource-policy": "cross-origin",
    });
    const built = readFileSync(join(local.dataDir, "console", WIDGET_PATH));
    expect(Buffer.from(await answer.arrayBuffer()).equals(built)).toBe(true);
    expect(gzipSync(built).byteLength).toBeLessThanOrEqual(15 * 1024);
  });

  it("asks under a strict CSP, takes a score and a comment, thanks, and the API stores the answer", async () => {
    const customer = "c-widget-web";
    const { page, context, problems, contacted } = await visit(
      pageAt(shop, { survey: SURVEY, type: "nps", touchpoint: "checkout", "customer-id": customer }),
    );
    await page.getByRole("group", { name: NPS_QUESTION }).waitFor();
    for (let value = 0; value <= 10; value++) expect(await score(page, String(value)).count()).toBe(1);

    await answer(page, "9", "Quick checkout, lovely");
    await page.getByRole("status").filter({ hasText: THANKS }).waitFor();
    const stored = await storedFor(customer, "Quick checkout, lovely");
    expect(stored).toMatchObject({
      type: "nps",
      score: 9,
      channel: "web",
      survey: SURVEY,
      touchpoint: "checkout",
      customer: { id: customer },
      locale: "en",
    });
    expect(stored.id).toMatch(/^w-[A-Za-z0-9_-]{24}$/);

    expect(problems).toEqual([]);
    expect([...contacted].sort()).toEqual([api, shop].sort());
    expect(await context.cookies()).toEqual([]);
    expect(await outboxOf(page)).toBeNull();
  });

  it("shows the API's refusal on a page the key is not for, and keeps nothing to resend", async () => {
    const customer = "c-widget-stranger";
    const { page } = await visit(pageAt(stranger, { survey: SURVEY, type: "nps", "customer-id": customer }));
    await answer(page, "3", "Sent from the wrong site");
    const alert = page.getByRole("alert").filter({ hasText: "not allowed" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Your answer could not be sent:");
    expect(await page.getByText(/Thank you/).count()).toBe(0);
    expect(await outboxOf(page)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await responsesOf(customer)).toEqual([]);
  });

  it("keeps its looks on a page whose stylesheet attacks every element, and leaves the page's own alone", async () => {
    const { page } = await visit(
      pageAt(shop, { survey: SURVEY, type: "nps", "customer-id": "c-widget-hostile" }, { hostile: true }),
    );
    const nine = score(page, "9");
    await nine.waitFor({ state: "visible" });
    const box = await nine.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(40);
    expect(box?.height).toBeGreaterThanOrEqual(40);
    const looks = await nine.evaluate((button) => {
      const style = getComputedStyle(button);
      return { fontSize: Number.parseFloat(style.fontSize), color: style.color, background: style.backgroundColor };
    });
    expect(looks.fontSize).toBeGreaterThanOrEqual(14);
    expect(looks.color).not.toBe(looks.background);
    // The widget's `label { font-weight: 600 }` stays in its shadow root.
    expect(await page.locator("main > label").evaluate((label) => getComputedStyle(label).fontWeight)).toBe("400");
  });

  it("keeps an answer it could not send and sends it, with the same id, once, on the next page", async () => {
    const customer = "c-widget-offline";
    const { page } = await visit();
    const endpoint = `${api}/v1/responses`;
    await page.route(endpoint, (route) => route.abort("internetdisconnected"));
    await page.goto(pageAt(shop, { survey: SURVEY, type: "nps", "customer-id": customer }));
    await answer(page, "6", "Parcel came late");
    await page.getByRole("status").filter({ hasText: "when you're back online" }).waitFor();
    const [pending] = JSON.parse((await outboxOf(page)) ?? "[]");
    expect(pending).toMatchObject({ endpoint, key: submitKey, body: { score: 6, comment: "Parcel came late" } });
    expect(await responsesOf(customer)).toEqual([]);

    await page.unroute(endpoint);
    await page.reload();
    await expect.poll(() => outboxOf(page), { timeout: 10_000 }).toBeNull();
    const stored = await storedFor(customer, "Parcel came late");
    expect(stored.id).toBe(pending.body.id);
    expect(await responsesOf(customer)).toHaveLength(1);
  });

  it("passes axe-core at each step: the question, the comment, the thank-you", async () => {
    const { page } = await visit(pageAt(shop, { survey: SURVEY, type: "nps", "customer-id": "c-widget-axe" }));
    await score(page, "0").waitFor();
    await expectAccessible(page, "question");
    await score(page, "10").click();
    await page.getByRole("textbox", { name: "Comment", exact: true }).waitFor();
    await expectAccessible(page, "comment");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("status").filter({ hasText: THANKS }).waitFor();
    await expectAccessible(page, "thank-you");
  });

  it("asks CES in German on its 1-5 scale, with each point named, and sends the scale", async () => {
    const customer = "c-widget-ces";
    const { page } = await visit(
      pageAt(shop, { survey: SURVEY, type: "ces", scale: "1-5", locale: "de", "customer-id": customer }),
    );
    const points = ["1 – Sehr schwierig", "2 – Schwierig", "3 – Neutral", "4 – Einfach", "5 – Sehr einfach"];
    for (const name of points) await score(page, name).waitFor();
    expect(await score(page, "6").count()).toBe(0);
    await expectAccessible(page, "CES in German");
    await score(page, "4 – Einfach").click();
    await page.getByRole("textbox", { name: "Kommentar", exact: true }).fill("Ging schnell");
    await page.getByRole("button", { name: "Senden", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Vielen Dank" }).waitFor();
    expect(await storedFor(customer, "Ging schnell")).toMatchObject({
      type: "ces",
      score: 4,
      scale: { min: 1, max: 5 },
      locale: "de",
    });
  });

  it("works by keyboard: Tab reaches the scores, Enter and Space pick, focus follows each step", async () => {
    const { page } = await visit(pageAt(shop, { survey: SURVEY, type: "nps", "customer-id": "c-widget-keys" }));
    await score(page, "0").waitFor();
    const focused = () =>
      page.evaluate(() => {
        let active = document.activeElement;
        while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
        return active?.getAttribute("aria-label") ?? active?.textContent ?? active?.tagName;
      });
    const pressed = () =>
      page
        .getByRole("button", { pressed: true })
        .allTextContents()
        .then((names) => names.join());

    await page.keyboard.press("Tab");
    expect(await focused()).toBe("0");
    for (let step = 0; step < 7; step++) await page.keyboard.press("Tab");
    expect(await focused()).toBe("7");
    await page.keyboard.press("Enter");
    expect(await pressed()).toBe("7");
    // The comment appears and takes focus; back to the scores, Space picks another.
    expect(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.tagName)).toBe("TEXTAREA");
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toBe("10");
    await page.keyboard.press("Space");
    expect(await pressed()).toBe("10");
    await page.keyboard.press("Tab");
    await page.keyboard.type("All by keyboard");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("Send");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: THANKS }).waitFor();
    expect(await focused()).toBe(THANKS);
  });

  it("shows nothing to a customer who answered the survey within its throttle", async () => {
    const { page } = await visit();
    const eligibility = page.waitForResponse((response) => response.url().startsWith(`${api}/v1/survey-eligibility`));
    await page.goto(pageAt(shop, { survey: THROTTLED_SURVEY, type: "nps", "customer-id": "c-told" }));
    const answer = await eligibility;
    expect(answer.status()).toBe(200);
    expect(await answer.json()).toMatchObject({ eligible: false, nextEligibleAt: expect.any(String) });
    await page.waitForLoadState("networkidle");
    expect(await page.locator("cxloop-survey").count()).toBe(0);
  });
});

describe("survey links", () => {
  /** Links for a mail merge, as an operator makes them: the CLI, from a CSV of customers. */
  async function linksFor(customers: string[]): Promise<Record<string, string>[]> {
    const csv = join(local.dataDir, "campaign.csv");
    writeFileSync(csv, `id,email,name\n${customers.map((id) => `${id},${id}@example.com,${id}`).join("\n")}\n`);
    const out = join(local.dataDir, "campaign.links.csv");
    const args = ["survey-links", "create", "--survey", SURVEY, "--type", "nps", "--csv", csv, "--out", out];
    await run(process.execPath, ["--import", "tsx", "bin/cli.ts", ...args, "--endpoint", api, "--key", local.apiKey]);
    return parse(readFileSync(out), { columns: true });
  }

  /** The one-click email: a link per score, each the customer's link with `?score=N`. */
  const email = (url: string) =>
    `<!doctype html><html lang="en"><head><title>How did we do?</title></head><body><main>
<p>How likely are you to recommend us?</p>
${Array.from({ length: 11 }, (_, score) => `<a href="${url}?score=${score}">${score}</a>`).join(" ")}
</main></body></html>`;

  it("records the score clicked in an email at once, then the comment on the same response, and one case", async () => {
    const [link] = await linksFor(["c-mailed"]);
    expect(link).toMatchObject({ id: "c-mailed", email: "c-mailed@example.com", url: expect.stringContaining("/s/") });
    const { page, context, problems } = await visit();
    await page.setContent(email(link?.url as string));
    await page.getByRole("link", { name: "2", exact: true }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain("we have your answer");
    await expectAccessible(page, "survey link: comment step");
    const scored = await eventually(
      async () => (await responsesOf("c-mailed")).find((item) => item.score === 2),
      SETTLE_MS,
    );
    expect(scored).toMatchObject({ channel: "email", survey: SURVEY, comment: null });

    await page.getByRole("textbox", { name: "Comment", exact: true }).fill("Nobody told me the parcel was late.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe(THANKS);
    await storedFor("c-mailed", "Nobody told me the parcel was late.", SETTLE_MS);
    expect(await responsesOf("c-mailed")).toEqual([
      expect.objectContaining({ id: scored.id, score: 2, revision: 1, themes: ["delivery"] }),
    ]);
    const cases = await eventually(async () => {
      const { body } = await local.call("GET", "/v1/customers/c-mailed");
      return body.cases?.length > 0 ? body.cases : undefined;
    }, SETTLE_MS);
    expect(cases).toEqual([expect.objectContaining({ responseId: scored.id })]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("answers a reused or forged link with a page saying so and a 4xx, and stores no second response", async () => {
    const [link] = await linksFor(["c-twice"]);
    const url = link?.url as string;
    const { page, context } = await visit(`${url}?score=10`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain("we have your answer");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe(THANKS);

    const again = await page.goto(`${url}?score=3`);
    expect(again?.status()).toBe(409);
    await expect.poll(() => page.getByRole("status").textContent()).toContain("already been used");
    await expectAccessible(page, "survey link: used");
    const forged = await page.goto(`${url.slice(0, -2)}xx?score=3`);
    expect(forged?.status()).toBe(403);
    await expect.poll(() => page.getByRole("status").textContent()).toContain("not valid");

    const stored = await eventually(async () => {
      const items = await responsesOf("c-twice");
      return items.length > 0 ? items : undefined;
    }, SETTLE_MS);
    expect(stored).toEqual([expect.objectContaining({ score: 10 })]);
    await context.close();
  });
});
