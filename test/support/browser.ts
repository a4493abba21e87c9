import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

/** Debian's `chromium` (`.ci/run` installs it); `CHROMIUM_PATH` points elsewhere. */
const EXECUTABLE = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: EXECUTABLE, args: ["--no-sandbox", "--disable-dev-shm-usage"] });

/** A page of its own, signed in through the local sign-in as `user` with `role`, landed on `path`. */
export async function signedIn(browser: Browser, base: string, user: string, role: string, path = "/"): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/Berlin" });
  const page = await context.newPage();
  await page.goto(`${base}/_local/sign-in?user=${user}&role=${role}&next=${encodeURIComponent(path)}`);
  return page;
}

/**
 * axe-core's check of the page as it is now. It is evaluated through the DevTools protocol, which the
 * console's CSP (`script-src 'self'`) does not govern, so the page is checked under its real policy.
 */
export async function expectAccessible(page: Page, label: string) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const { violations } = await axe.run();
    return violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
      }));
  });
  expect(violations, `${label}: serious or critical accessibility violations`).toEqual([]);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}
