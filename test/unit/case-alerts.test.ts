import { describe, expect, it } from "vitest";
import { alertFor } from "../../lambdas/core/alerts";
import { notifyCase, storedCustomerName } from "../../lambdas/core/case-alerts";
import { openCase } from "../../lambdas/core/cases";
import { config, memory, record } from "../support/cases";

describe("notifyCase", () => {
  const opened = openCase(record({}), "nps-detractor", config, new Date("2026-11-23T10:00:00Z"));

  it("sends on every channel of the contact, once each, retrying only the channel that failed", async () => {
    const m = memory();
    const slackSent: string[] = [];
    const emailSent: string[] = [];
    let slackFailures = 1;
    const ports = {
      deliveries: m.deliveryPorts,
      slack: {
        send: async (name: string) => {
          if (slackFailures-- > 0) throw new Error("HTTP 500");
          slackSent.push(name);
          return true;
        },
      },
      email: {
        send: async (to: string) => {
          emailSent.push(to);
        },
      },
      config,
      now: () => new Date(),
      customerName: async () => "Ada",
    };
    await expect(notifyCase(opened, { kind: "opened" }, ports)).rejects.toThrow(/slack: HTTP 500/);
    expect(emailSent).toEqual(["cx@example.com"]);
    expect(await notifyCase(opened, { kind: "opened" }, ports)).toEqual(["slack"]);
    expect(await notifyCase(opened, { kind: "opened" }, ports)).toEqual([]);
    expect(slackSent).toEqual(["cx"]);
    expect(emailSent).toEqual(["cx@example.com"]);
  });

  it("alerts the escalation level's contact", async () => {
    const m = memory();
    const emailSent: string[] = [];
    const ports = {
      deliveries: m.deliveryPorts,
      slack: { send: async () => true },
      email: { send: async (to: string) => void emailSent.push(to) },
      config,
      now: () => new Date(),
      customerName: async () => "Ada",
    };
    expect(await notifyCase(opened, { kind: "escalated", level: 1 }, ports)).toEqual(["email"]);
    expect(await notifyCase(opened, { kind: "escalated", level: 2 }, ports)).toEqual(["slack"]);
    expect(emailSent).toEqual(["lead@example.com"]);
  });
});

describe("alert content", () => {
  it("carries score, category, comment, customer value, SLA and a link, with HTML escaped", () => {
    const alert = alertFor(
      openCase(record({}), "nps-detractor", config, new Date("2026-11-23T10:00:00Z")),
      { kind: "opened" },
      config,
      "Ada",
    );
    expect(alert?.slack.text).toBe("New normal-priority follow-up for cx-team: NPS 2/10 (detractor)");
    expect(JSON.stringify(alert?.slack.blocks)).toContain("Ada · smb · value 1,200 EUR");
    expect(JSON.stringify(alert?.slack.blocks)).toContain("https://cx.example.com/cases/case-r-1");
    expect(alert?.email.html).toContain("Waited &lt;b&gt;forever&lt;/b&gt;");
    expect(alert?.email.text).toContain("SLA due: Wed, 25 Nov 2026 10:00:00 GMT");
  });

  it("makes respondents' text inert in Slack: no mention, no disguised link, in blocks or fallback text", () => {
    const hostile = record({
      comment: "<!channel> urgent: <https://evil.example/reset|reset your password> & more",
      survey: "<@U123>",
    });
    const alert = alertFor(
      openCase(hostile, "nps-detractor", config, new Date()),
      { kind: "opened" },
      config,
      "<!here> Mallory",
    );
    const slack = JSON.stringify(alert?.slack);
    expect(slack).not.toMatch(/<!channel>|<!here>|<https:\/\/evil|<@U123>/);
    expect(slack).toContain(
      "&lt;!channel&gt; urgent: &lt;https://evil.example/reset|reset your password&gt; &amp; more",
    );
    expect(slack).toContain("&lt;!here&gt; Mallory");
    expect(alert?.email.html).toContain("&lt;!channel&gt;");
    expect(alert?.email.html).not.toContain("<https://evil");
  });
});

describe("the customer's name in an alert", () => {
  const opened = openCase(record({}), "nps-detractor", config, new Date("2026-11-23T10:00:00Z"));
  const snapshot = { segment: "smb", plan: null, annualValue: 1200, currency: "EUR", renewalDate: null };
  const sources = (stored: { id: string; name?: string } | null, profile: { name?: string } | null) => ({
    responses: {
      get: async () => (stored ? { customer: { ...snapshot, ...stored } } : null),
    },
    customers: { get: async () => profile },
  });

  it("comes from the table, since case events carry none: the stored response's, else the profile's", async () => {
    expect(await storedCustomerName(opened, sources({ id: "c-1", name: "Ada" }, { name: "Ada Corp" }))).toBe("Ada");
    expect(await storedCustomerName(opened, sources({ id: "c-1" }, { name: "Ada Corp" }))).toBe("Ada Corp");
    expect(await storedCustomerName(opened, sources({ id: "c-1" }, {}))).toBeNull();
  });

  it("is gone once the customer is erased, and the alert shows the id it was sent for", async () => {
    const erased = sources({ id: "erased-01JZ0000000000000000000000" }, null);
    expect(await storedCustomerName(opened, erased)).toBeNull();
    const alert = alertFor(opened, { kind: "opened" }, config, null);
    expect(alert?.email.text).toContain("Customer: c-1 · smb · value 1,200 EUR");
  });
});
