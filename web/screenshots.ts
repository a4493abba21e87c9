import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { runDemo } from "../local/demo";
import { startLocalRuntime } from "../local/runtime";

/**
 * `npm run screenshots`: the console's pages as the README and docs show them, taken from the local
 * runtime filled by the demo, in Debian's headless Chromium (or `CHROMIUM_PATH`).
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "docs", "screenshots");
const PAGES: { file: string; path: string | ((ids: { caseId: string; customerId: string }) => string) }[] = [
  { file: "overview.png", path: "/" },
  { file: "drivers.png", path: "/drivers" },
  { file: "cases.png", path: "/cases" },
  { file: "case.png", path: ({ caseId }) => `/cases/${caseId}` },
  { file: "customer.png", path: ({ customerId }) => `/customers/${customerId}` },
  { file: "rules.png", path: "/rules" },
  { file: "action-plans.png", path: "/action-plans" },
];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "cxloop-screenshots-"));
  const apiKey = "screenshots-key";
  const runtime = await startLocalRuntime({
    port: 0,
    dataDir,
    apiKey,
    cdkJsonPath: join(root, "cdk.json"),
    log: () => undefined,
    runSchedules: false,
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  try {
    await runDemo({ baseUrl: runtime.url, apiKey, log: (line) => console.error(line) });
    const headers = { authorization: `Bearer ${apiKey}` };
    const cases = (await (await fetch(`${runtime.url}/v1/cases?status=open&limit=5`, { headers })).json()) as {
      items: { id: string; customerId: string | null }[];
    };
    const shown = cases.items.find((item) => item.customerId) ?? cases.items[0];
    if (!shown) throw new Error("the demo opened no case to show");
    const ids = { caseId: shown.id, customerId: shown.customerId ?? "" };

    mkdirSync(outDir, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${runtime.url}/_local/sign-in?user=demo&role=admin`);
    // The sign-in lands on the console, which keeps the token from the URL's fragment: wait until it has.
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    for (const { file, path } of PAGES) {
      await page.goto(`${runtime.url}${typeof path === "string" ? path : path(ids)}`);
      await page.waitForLoadState("networkidle");
      await page.screenshot({ path: join(outDir, file), fullPage: true });
      console.error(`wrote docs/screenshots/${file}`);
    }
    await shootWidget(browser, runtime.url);
    await shootSurveyLink(browser, runtime.url, headers);
    await shootDigest(browser, runtime.url, headers);
  } finally {
    await browser.close();
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The widget as a shop's page shows it, after the customer picked a score: served from an origin of its own. */
async function shootWidget(browser: Browser, apiUrl: string) {
  const shop = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><html lang="en"><head><title>Shop</title></head>
<body style="font-family: Georgia, serif; max-width: 40rem; margin: 2rem auto">
<h1>Thanks for your order!</h1><p>Order 1042 is on its way.</p>
<script src="${apiUrl}/v1/widget.js" data-key="cxk_shop_form" data-survey="post-purchase" data-type="nps"></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
  try {
    const page = await (await browser.newContext({ viewport: { width: 720, height: 560 } })).newPage();
    await page.goto(`http://127.0.0.1:${(shop.address() as AddressInfo).port}/`);
    await page.getByRole("button", { name: "9", exact: true }).click();
    await page.getByLabel("Comment").fill("Fast delivery, thank you!");
    await page.screenshot({ path: join(outDir, "widget.png") });
    console.error("wrote docs/screenshots/widget.png");
  } finally {
    shop.close();
  }
}

/** The hosted page of a survey link, after the one-click score from an email: the comment step. */
async function shootSurveyLink(browser: Browser, apiUrl: string, headers: Record<string, string>) {
  const answer = await fetch(`${apiUrl}/v1/survey-links`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ survey: "post-purchase", type: "nps", customer: { id: "c-screenshot" } }),
  });
  const { url } = (await answer.json()) as { url: string };
  const page = await (await browser.newContext({ viewport: { width: 720, height: 480 } })).newPage();
  await page.goto(`${url}?score=9`);
  await page.getByLabel("Comment").fill("Setup took five minutes. Great onboarding call!");
  await page.screenshot({ path: join(outDir, "survey-link.png") });
  console.error("wrote docs/screenshots/survey-link.png");
}

/**
 * The weekly digest email as a mail client shows it: the email from the local outbox, its inline chart
 * (`cid:`) pointed at the same PNG the local runtime serves for Slack.
 */
async function shootDigest(browser: Browser, apiUrl: string, headers: Record<string, string>) {
  const call = async (method: string, path: string) =>
    (await (await fetch(`${apiUrl}${path}`, { method, headers })).json()) as {
      items: { name: string; kind: string; subject?: string; payload: { html?: string; blocks?: unknown[] } }[];
    };
  const schedule = (await call("GET", "/_local/schedules")).items.find((item) => item.name.startsWith("MetricsDigest"));
  if (!schedule) throw new Error("the stack has no digest schedule");
  await call("POST", `/_local/schedules/${schedule.name}/invoke`);
  const sent = (await call("GET", "/_local/outbox")).items;
  const email = sent.find((item) => item.kind === "email" && item.subject?.includes("weekly digest"));
  const slack = sent.find((item) => item.kind === "slack" && JSON.stringify(item.payload).includes("weekly digest"));
  const chart = (slack?.payload.blocks as { type: string; image_url?: string }[] | undefined)?.find(
    (block) => block.type === "image",
  )?.image_url;
  if (!email?.payload.html || !chart) throw new Error("the digest sent no email with a chart");
  const page = await (await browser.newContext({ viewport: { width: 760, height: 900 } })).newPage();
  await page.setContent(email.payload.html.replaceAll("cid:nps-trend@cxloop", chart), { waitUntil: "networkidle" });
  await page.screenshot({ path: join(outDir, "digest.png"), fullPage: true });
  console.error("wrote docs/screenshots/digest.png");
}

await main();
