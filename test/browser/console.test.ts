import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium, signedIn } from "../support/browser";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

/**
 * The console in a real headless Chromium against `npm start`'s runtime: people sign in, read the
 * figures the API reports, and work a case; a viewer finds nothing to change; every page passes axe-core.
 */
const local = localApi("console");
let base: string;
let browser: Browser;
/** Each function's first invocation loads its code, which takes long on a busy machine. */
const SETTLE_MS = 90_000;
const HOSTILE = '<img src=x onerror="window.__pwned=1">Parcel never came';
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  [base, browser] = await Promise.all([local.start().then((runtime) => runtime.url), launchChromium()]);
  await local.call("PUT", "/v1/customers/c-console-1", {
    email: "ines@console.example",
    name: "Ines",
    segment: "enterprise",
    annualValue: 90000,
    currency: "EUR",
  });
  const responses = [
    {
      id: "console-1",
      type: "nps",
      score: 2,
      comment: HOSTILE,
      touchpoint: "delivery",
      customer: { id: "c-console-1" },
    },
    { id: "console-2", type: "nps", score: 10, comment: "Great support, quick answer", customer: { id: "c-2" } },
    { id: "console-3", type: "nps", score: 9, customer: { id: "c-3" } },
    { id: "console-4", type: "csat", score: 5, customer: { id: "c-4" } },
  ];
  expect((await local.call("POST", "/v1/responses/batch", { responses })).status).toBe(200);
  await eventually(
    async () => ((await local.call("GET", "/v1/cases/case-console-1")).status === 200 ? true : undefined),
    SETTLE_MS,
  );
  await eventually(async () =>
    (await local.call("GET", "/v1/responses/console-4")).status === 200 ? true : undefined,
  );
  await local.invokeSchedule("MetricsRollupSchedule");
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await local.stop();
  local.removeData();
});

const navigate = async (page: Page, name: string) => {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { level: 1 }).first().waitFor();
};

describe("the console, signed in as an agent", () => {
  let page: Page;
  beforeAll(async () => {
    page = await signedIn(browser, base, "ana", "agent");
  });

  it("shows the NPS the API reports for the same window", async () => {
    const { body } = await local.call("GET", `/v1/metrics?from=${today}&to=${today}`);
    expect(body.nps.responses).toBe(3);
    await expect
      .poll(() => page.getByTestId("nps-score").textContent(), { timeout: 20_000 })
      .toContain(String(body.nps.score));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expectAccessible(page, "overview");
  });

  it("opens a case from the queue, adds a note, marks it contacted and sees the history grow", async () => {
    await navigate(page, "Cases");
    await expectAccessible(page, "cases");
    await page.getByRole("link", { name: "case-console-1" }).click();
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 20_000 })
      .toContain("case-console-1");
    // The respondent's text is shown as text, never run as markup.
    await page.getByText(HOSTILE).first().waitFor();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expectAccessible(page, "case");

    await page.getByLabel("Note").fill("Called Ines, replacement sent");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.getByText("Called Ines, replacement sent").first().waitFor();
    await page.getByRole("button", { name: "Mark contacted" }).click();
    await expect.poll(async () => (await local.call("GET", "/v1/cases/case-console-1")).body.status).toBe("contacted");
    const { body: stored } = await local.call("GET", "/v1/cases/case-console-1");
    expect(stored.history.at(-1)).toMatchObject({ by: "ana" });
    expect(stored.notes.at(-1)).toMatchObject({ by: "ana", text: "Called Ines, replacement sent" });
    await page
      .getByText(/open → contacted|contacted/)
      .first()
      .waitFor();
  });

  it("shows a conflict when someone else changed the case meanwhile, and does not overwrite it", async () => {
    await local.call("PATCH", "/v1/cases/case-console-1", { note: "Changed from elsewhere" });
    const { body: before } = await local.call("GET", "/v1/cases/case-console-1");
    await page.getByRole("button", { name: "Resolve" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /changed/i })
      .waitFor();
    const { body: after } = await local.call("GET", "/v1/cases/case-console-1");
    expect(after).toMatchObject({ status: "contacted", version: before.version });
  });

  it("passes axe-core on the drivers, customers and rules pages", async () => {
    for (const name of ["Drivers", "Customers", "Rules"]) {
      await navigate(page, name);
      await page.waitForLoadState("networkidle");
      await expectAccessible(page, name);
    }
  });

  it("lists action plans by owner with their measured effect, the title shown as text", async () => {
    const title = "<b>Fix</b> late deliveries";
    const created = await local.call("POST", "/v1/action-plans", {
      title,
      owner: "logistics",
      theme: "delivery",
      metric: "nps",
      target: { value: 40, by: "2099-01-01" },
      startsAt: today,
      status: "active",
    });
    expect(created.status).toBe(201);
    await navigate(page, "Action plans");
    await page.getByRole("heading", { name: title, level: 2 }).waitFor();
    expect(await page.getByRole("row", { name: /^logistics 1 / }).count()).toBe(1);
    await expect.poll(() => page.locator("article").first().textContent()).toContain("Too few answers to track");
    await expectAccessible(page, "action plans");
  });

  it("finds a customer by email and shows the 360° view, without admin actions", async () => {
    await navigate(page, "Customers");
    await page.getByLabel("Search customers").fill("ines@console.example");
    await page.getByRole("button", { name: "Search" }).click();
    await page
      .getByRole("link", { name: /c-console-1|Ines/ })
      .first()
      .click();
    await page
      .getByRole("heading", { level: 1 })
      .filter({ hasText: /Ines|c-console-1/ })
      .waitFor();
    await page.getByText(HOSTILE).first().waitFor();
    await expectAccessible(page, "customer");
    expect(await page.getByRole("button", { name: "Erase customer" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Export" }).count()).toBe(0);
  });
});

describe("the console, signed in as a viewer", () => {
  it("shows the case but no action that would change it", async () => {
    const page = await signedIn(browser, base, "vic", "viewer", "/cases/case-console-1");
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 20_000 })
      .toContain("case-console-1");
    await page.getByText(HOSTILE).first().waitFor();
    for (const name of ["Mark contacted", "Resolve", "Close without contact", "Add note", "Reassign"])
      expect(await page.getByRole("button", { name }).count(), name).toBe(0);
  });
});

describe("the console, signed in as an admin", () => {
  it("erases a customer only after the id is typed to confirm", async () => {
    await local.call("PUT", "/v1/customers/c-erase-me", { name: "Eve", segment: "smb" });
    const page = await signedIn(browser, base, "root", "admin", "/customers/c-erase-me");
    await page.getByRole("button", { name: "Export" }).waitFor();
    await page.getByRole("button", { name: "Erase customer" }).click();
    const dialog = page.getByRole("dialog");
    await expectAccessible(page, "erasure dialog");
    const erase = dialog.getByRole("button", { name: "Erase" });
    await dialog.getByLabel("Type the customer id to confirm").fill("c-erase");
    expect(await erase.isDisabled()).toBe(true);
    await dialog.getByLabel("Type the customer id to confirm").fill("c-erase-me");
    await erase.click();
    await expect.poll(async () => (await local.call("GET", "/v1/customers/c-erase-me")).status).toBe(404);
  });

  it("asks a signed-out visitor to sign in", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/cases`);
    const signIn = page.getByRole("link", { name: "Sign in" }).or(page.getByRole("button", { name: "Sign in" }));
    await signIn.first().waitFor();
    await expectAccessible(page, "signed out");
    const answer: Json = await page.evaluate(async () => (await fetch("/v1/me")).status);
    expect(answer).toBe(401);
  });
});
