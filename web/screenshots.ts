import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
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
    for (const { file, path } of PAGES) {
      await page.goto(`${runtime.url}${typeof path === "string" ? path : path(ids)}`);
      await page.waitForLoadState("networkidle");
      await page.screenshot({ path: join(outDir, file), fullPage: true });
      console.error(`wrote docs/screenshots/${file}`);
    }
  } finally {
    await browser.close();
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
