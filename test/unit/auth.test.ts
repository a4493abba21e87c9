import { describe, expect, it } from "vitest";
import { grants, scopes, whoIs } from "../../lambdas/contracts/auth";
import { KeyDirectory, type KeyStorePort } from "../../lambdas/core/api-keys";
import { type AuthPolicy, authorize, hashApiKey } from "../../lambdas/core/auth";

const keys = [
  { name: "form", sha256: hashApiKey("form-key"), scopes: ["submit"] as const },
  { name: "bi", sha256: hashApiKey("bi-key"), scopes: ["read"] as const },
  { name: "ops", sha256: hashApiKey("ops-key"), scopes: ["admin"] as const },
];
/** Only stage keys here: a managed key is never looked up, so any read of the store is a failure. */
const noManagedKeys: KeyStorePort = {
  create: () => Promise.reject(new Error("unexpected")),
  get: () => Promise.reject(new Error("unexpected")),
  list: () => Promise.reject(new Error("unexpected")),
  delete: () => Promise.reject(new Error("unexpected")),
  touch: () => Promise.reject(new Error("unexpected")),
};
const policy = (overrides: Partial<AuthPolicy> = {}): AuthPolicy => ({
  directory: new KeyDirectory(keys, noManagedKeys, () => new Date()),
  allowedOrigins: ["https://shop.example.com"],
  serverSideSubmitKeys: false,
  ...overrides,
});
const shop = "https://shop.example.com";

describe("authorize", () => {
  it("hashes stage keys with SHA-256 (the configured form)", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("accepts Bearer and x-api-key", async () => {
    expect(await authorize({ authorization: "Bearer ops-key" }, "read", policy())).toMatchObject({ ok: true });
    expect(await authorize({ authorization: "bearer   ops-key" }, "read", policy())).toMatchObject({ ok: true });
    expect(await authorize({ apiKey: "form-key", origin: shop }, "submit", policy())).toMatchObject({ ok: true });
  });
  it("answers 401 without a key or with an unknown one, 403 without the scope", async () => {
    expect(await authorize({}, "submit", policy())).toMatchObject({ ok: false, status: 401 });
    expect(await authorize({ apiKey: "guess" }, "submit", policy())).toMatchObject({ ok: false, status: 401 });
    expect(await authorize({ apiKey: "form-key", origin: shop }, "read", policy())).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await authorize({ apiKey: "bi-key" }, "submit", policy())).toMatchObject({ ok: false, status: 403 });
  });
  it("binds submit-only keys to the allowed origins; other keys are not browser keys", async () => {
    expect(await authorize({ apiKey: "form-key", origin: "https://evil.example" }, "submit", policy())).toMatchObject({
      ok: false,
      status: 403,
    });
    expect((await authorize({ apiKey: "ops-key", origin: "https://evil.example" }, "read", policy())).ok).toBe(true);
    const anyOrigin = policy({ allowedOrigins: ["*"] });
    expect((await authorize({ apiKey: "form-key", origin: "https://x.example" }, "submit", anyOrigin)).ok).toBe(true);
  });
  it("refuses a submit-only key with no Origin unless the stage accepts server-side submit keys", async () => {
    expect(await authorize({ apiKey: "form-key" }, "submit", policy())).toMatchObject({ ok: false, status: 403 });
    const serverSide = policy({ serverSideSubmitKeys: true });
    expect(await authorize({ apiKey: "form-key" }, "submit", serverSide)).toMatchObject({ ok: true });
    expect((await authorize({ apiKey: "ops-key" }, "submit", policy())).ok).toBe(true);
  });
  it("never names the key in a refusal: whoever holds a key learns nothing about the others", async () => {
    const refusals = [
      await authorize({ apiKey: "form-key", origin: shop }, "read", policy()),
      await authorize({ apiKey: "form-key", origin: "https://evil.example" }, "submit", policy()),
      await authorize({ apiKey: "form-key" }, "submit", policy()),
    ];
    for (const refusal of refusals) {
      expect(refusal.ok).toBe(false);
      if (!refusal.ok) expect(refusal.message).not.toMatch(/form|bi|ops/);
    }
  });
});

describe("scopes", () => {
  it("lets an agent read and work cases, an admin do everything, and keeps submit apart from reading", () => {
    const table = Object.fromEntries(scopes.map((held) => [held, scopes.filter((needed) => grants([held], needed))]));
    expect(table).toEqual({
      submit: ["submit"],
      read: ["read"],
      agent: ["read", "agent"],
      admin: ["submit", "read", "agent", "admin"],
    });
  });
  it("tells a person their role and a key none", () => {
    const person = { kind: "person" as const, id: "s-1", name: "ana", allowedOrigins: [] };
    expect(whoIs({ ...person, scopes: ["agent"] })).toEqual({
      name: "ana",
      kind: "person",
      scopes: ["agent"],
      role: "agent",
    });
    expect(whoIs({ ...person, scopes: ["read"] }).role).toBe("viewer");
    expect(whoIs({ ...person, kind: "key", scopes: ["admin"] }).role).toBeNull();
  });
});
