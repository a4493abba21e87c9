import { describe, expect, it } from "vitest";
import { authorize, hashApiKey } from "../../lambdas/core/auth";

const keys = [
  { name: "form", sha256: hashApiKey("form-key"), scopes: ["submit"] as const },
  { name: "bi", sha256: hashApiKey("bi-key"), scopes: ["read"] as const },
  { name: "ops", sha256: hashApiKey("ops-key"), scopes: ["admin"] as const },
];
const config = { keys, allowedOrigins: ["https://shop.example.com"] };

describe("authorize", () => {
  it("hashes keys with SHA-256 (the configured form)", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("accepts Bearer and x-api-key", () => {
    expect(authorize({ authorization: "Bearer form-key" }, "submit", config)).toMatchObject({ ok: true });
    expect(authorize({ authorization: "bearer   form-key" }, "submit", config)).toMatchObject({ ok: true });
    expect(authorize({ apiKey: "form-key" }, "submit", config)).toMatchObject({ ok: true });
  });
  it("answers 401 without a key or with an unknown one, 403 without the scope", () => {
    expect(authorize({}, "submit", config)).toMatchObject({ ok: false, status: 401 });
    expect(authorize({ apiKey: "guess" }, "submit", config)).toMatchObject({ ok: false, status: 401 });
    expect(authorize({ apiKey: "form-key" }, "read", config)).toMatchObject({ ok: false, status: 403 });
    expect(authorize({ apiKey: "bi-key" }, "submit", config)).toMatchObject({ ok: false, status: 403 });
  });
  it("binds submit-only keys to the allowed origins; admin keys are not browser keys", () => {
    expect(authorize({ apiKey: "form-key", origin: "https://shop.example.com" }, "submit", config).ok).toBe(true);
    expect(authorize({ apiKey: "form-key", origin: "https://evil.example" }, "submit", config)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(authorize({ apiKey: "ops-key", origin: "https://evil.example" }, "read", config).ok).toBe(true);
    expect(
      authorize({ apiKey: "form-key", origin: "https://x.example" }, "submit", { keys, allowedOrigins: ["*"] }).ok,
    ).toBe(true);
  });
  it("never names the key in a refusal: whoever holds a key learns nothing about the others", () => {
    const refusals = [
      authorize({ apiKey: "form-key" }, "read", config),
      authorize({ apiKey: "form-key", origin: "https://evil.example" }, "submit", config),
    ];
    for (const refusal of refusals) {
      expect(refusal.ok).toBe(false);
      if (!refusal.ok) expect(refusal.message).not.toMatch(/form|bi|ops/);
    }
  });
});
