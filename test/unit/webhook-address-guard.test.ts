import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GuardedWebhookPoster } from "../../lambdas/adapters/webhook-poster";
import { refusedAddress } from "../../lambdas/core/webhooks";

const onAws = { allowLoopback: false };
const local = { allowLoopback: true };

describe("the webhook address guard", () => {
  it.each([
    "10.0.0.1",
    "10.255.255.255",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "169.254.1.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.251",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd00:ec2::254",
    "fdff:ffff::1",
    "fe80::1",
    "ff02::1",
    "::ffff:10.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
  ])("refuses %s on AWS", (address) => {
    expect(refusedAddress(address, onAws)).toMatch(/private, loopback, link-local or reserved/);
  });

  it.each(["93.184.215.14", "8.8.8.8", "100.128.0.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(refusedAddress(address, onAws)).toBeNull();
    },
  );

  it("allows loopback only when the local runtime says so, and nothing else private", () => {
    expect(refusedAddress("127.0.0.1", local)).toBeNull();
    expect(refusedAddress("::1", local)).toBeNull();
    expect(refusedAddress("10.0.0.1", local)).not.toBeNull();
    expect(refusedAddress("169.254.169.254", local)).not.toBeNull();
  });

  it("refuses what is not an address", () => {
    expect(refusedAddress("example.com", onAws)).toMatch(/not an IP address/);
  });
});

describe("the guarded poster", () => {
  // A receiver on loopback that counts what reaches it: nothing may, when the guard refuses.
  let reached = 0;
  const receiver = createServer((_request, response) => {
    reached += 1;
    response.writeHead(204).end();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it("resolves a name and refuses it when it resolves to a refused address, connecting to nothing", async () => {
    const poster = new GuardedWebhookPoster({ allowLoopback: false, timeoutMs: 2000 });
    const byName = await poster.post(`http://localhost:${port}/hook`, {}, "{}");
    expect(byName).toMatchObject({ error: expect.stringMatching(/^refused: localhost resolves to .*loopback/) });
    const literal = await poster.post(`http://127.0.0.1:${port}/hook`, {}, "{}");
    expect(literal).toMatchObject({ error: expect.stringMatching(/^refused: /) });
    expect(reached).toBe(0);
  });

  it("connects to the address it checked when that address is allowed", async () => {
    const poster = new GuardedWebhookPoster({ allowLoopback: true, timeoutMs: 2000 });
    expect(await poster.post(`http://localhost:${port}/hook`, {}, "{}")).toMatchObject({ status: 204 });
    expect(reached).toBe(1);
  });
});
