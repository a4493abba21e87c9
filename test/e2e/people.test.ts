import { readFileSync } from "node:fs";
import { join } from "node:path";
import { calculateJwkThumbprint, generateKeyPair, importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

/**
 * People in the local runtime: the sign-in page and `POST /_local/token` issue ID tokens from the
 * runtime's key, and the API verifies them as it verifies Cognito's on AWS. Each role may do what its
 * scope allows and no more; history names the person; forged, expired and foreign tokens get 401.
 */
const local = localApi("people");
let base: string;
/** Each function's first invocation loads its code, which takes long on a busy machine. */
const SETTLE_MS = 60_000;

const tokenFor = async (user: string, role: string) => {
  const answer = await fetch(`${base}/_local/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, role }),
  });
  return { status: answer.status, body: (await answer.json()) as Json };
};
const as = async (
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const answer = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, headers: answer.headers, body: (await answer.json()) as Json };
};
const tokens: Record<"viewer" | "agent" | "admin", string> = { viewer: "", agent: "", admin: "" };

beforeAll(async () => {
  base = (await local.start()).url;
  for (const role of ["viewer", "agent", "admin"] as const)
    tokens[role] = (await tokenFor(`${role}-ana`, role)).body.token;
  await local.call("PUT", "/v1/customers/c-people-1", {
    email: "Kim.Buyer@People.example",
    name: "Kim",
    segment: "smb",
  });
  const submitted = await local.call("POST", "/v1/responses", {
    id: "people-1",
    type: "nps",
    score: 2,
    comment: "The delivery was late again",
    customer: { id: "c-people-1" },
  });
  expect(submitted.status).toBe(202);
  await eventually(
    async () => ((await local.call("GET", "/v1/cases/case-people-1")).status === 200 ? true : undefined),
    SETTLE_MS,
  );
}, 180_000);
afterAll(async () => {
  await local.stop();
  local.removeData();
});

describe("local sign-in", () => {
  it("issues a token for a name and role, and names the field when either is wrong", async () => {
    expect(await tokenFor("ana", "agent")).toMatchObject({ status: 200, body: { token: expect.any(String) } });
    const wrong = await tokenFor("ana", "owner");
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.map((detail: Json) => detail.path)).toEqual(["role"]);
    expect((await tokenFor("a b", "agent")).body.error.details[0].path).toBe("user");
  });

  it("serves a sign-in page, and with a name and role signs in at once and lands on the console with the token", async () => {
    const page = await fetch(`${base}/_local/sign-in`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<label for="user">Name</label>');
    expect(html).toContain('<label for="role">Role</label>');

    const landed = await fetch(`${base}/_local/sign-in?user=ana&role=agent&next=/cases/case-people-1`, {
      redirect: "manual",
    });
    expect(landed.status).toBe(302);
    const location = landed.headers.get("location") as string;
    expect(location).toMatch(/^\/cases\/case-people-1#token=[\w-]+\.[\w-]+\.[\w-]+$/);
    const token = location.split("#token=")[1] as string;
    expect((await as(token, "GET", "/v1/me")).body).toEqual({
      name: "ana",
      kind: "person",
      scopes: ["agent"],
      role: "agent",
    });
  });

  it("never lands anywhere but this origin, and shows what was wrong", async () => {
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const landed = await fetch(`${base}/_local/sign-in?user=ana&role=viewer&next=${encodeURIComponent(next)}`, {
        redirect: "manual",
      });
      expect(landed.headers.get("location"), next).toMatch(/^\/#token=/);
    }
    const refused = await fetch(`${base}/_local/sign-in?user=%3Cscript%3E&role=agent`);
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('role="alert"');
    expect(html).not.toContain("<script>");
  });
});

describe("what each role may do", () => {
  it("tells the console who is signed in", async () => {
    expect((await as(tokens.viewer, "GET", "/v1/me")).body).toMatchObject({
      name: "viewer-ana",
      role: "viewer",
      scopes: ["read"],
    });
    expect((await local.call("GET", "/v1/me")).body).toEqual({
      name: "local",
      kind: "key",
      scopes: ["admin"],
      role: null,
    });
  });

  it("lets a viewer read but not work a case", async () => {
    expect((await as(tokens.viewer, "GET", "/v1/cases/case-people-1")).status).toBe(200);
    const patched = await as(tokens.viewer, "PATCH", "/v1/cases/case-people-1", { status: "contacted" });
    expect(patched.status).toBe(403);
    expect(patched.body.error.message).toBe("your role lacks the 'agent' scope");
  });

  it("lets an agent work a case, recorded under their name, but not export or erase", async () => {
    const { body: current } = await as(tokens.agent, "GET", "/v1/cases/case-people-1");
    const patched = await as(
      tokens.agent,
      "PATCH",
      "/v1/cases/case-people-1",
      { status: "contacted", note: "Called Kim" },
      { "if-match": `"${current.version}"` },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.history.at(-1)).toMatchObject({ by: "agent-ana" });
    expect(patched.body.notes.at(-1)).toMatchObject({ by: "agent-ana", text: "Called Kim" });
    expect((await as(tokens.agent, "GET", "/v1/customers/c-people-1/export")).status).toBe(403);
    expect((await as(tokens.agent, "DELETE", "/v1/customers/c-people-1")).status).toBe(403);
  });

  it("refuses an edit made on a stale copy with 409 version_conflict, changing nothing", async () => {
    const { body: current } = await as(tokens.agent, "GET", "/v1/cases/case-people-1");
    const stale = await as(
      tokens.agent,
      "PATCH",
      "/v1/cases/case-people-1",
      { note: "written on an old copy" },
      { "if-match": String(current.version - 1) },
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("version_conflict");
    expect((await as(tokens.agent, "GET", "/v1/cases/case-people-1")).body.version).toBe(current.version);
    const garbled = await as(tokens.agent, "PATCH", "/v1/cases/case-people-1", { note: "x" }, { "if-match": "abc" });
    expect(garbled.status).toBe(422);
    expect(garbled.body.error.details[0].path).toBe("header.If-Match");
  });

  it("lets an admin export everything held about a customer, as an attachment", async () => {
    const exported = await as(tokens.admin, "GET", "/v1/customers/c-people-1/export");
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toBe('attachment; filename="customer-c-people-1.json"');
    expect(exported.body.responses.map((response: Json) => response.id)).toEqual(["people-1"]);
  });
});

describe("tokens that are not to be trusted", () => {
  /** A token as an attacker would make it, signed with a key of their own, or with the runtime's (claims wrong). */
  const forge = async (
    claims: Record<string, unknown>,
    options: { key?: "runtime" | "foreign"; issuer?: string; audience?: string; expired?: boolean } = {},
  ) => {
    const runtimeJwk = JSON.parse(readFileSync(join(local.dataDir, "signing-key.json"), "utf8"));
    const signingKey =
      options.key === "runtime" ? await importJWK(runtimeJwk, "ES256") : (await generateKeyPair("ES256")).privateKey;
    const { d: _private, ...publicJwk } = runtimeJwk;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ "cognito:groups": ["admin"], token_use: "id", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: await calculateJwkThumbprint(publicJwk) })
      .setIssuer(options.issuer ?? `${base}/_local`)
      .setAudience(options.audience ?? "cxloop-console-local")
      .setSubject("mallory")
      .setIssuedAt(now - 7200)
      .setExpirationTime(options.expired ? now - 3600 : now + 3600)
      .sign(signingKey);
  };
  const reSigned = (token: string, change: (payload: Json) => Json) => {
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const changed = Buffer.from(
      JSON.stringify(change(JSON.parse(Buffer.from(payload, "base64url").toString()))),
    ).toString("base64url");
    return `${header}.${changed}.${signature}`;
  };

  it("answers 401 to a token signed by any other key, a tampered one, and one without a signature", async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${
      tokens.viewer.split(".")[1]
    }.`;
    const candidates = {
      foreign: await forge({}),
      tampered: reSigned(tokens.viewer, (payload) => ({ ...payload, "cognito:groups": ["admin"] })),
      unsigned,
    };
    for (const [name, token] of Object.entries(candidates)) {
      const answer = await as(token, "GET", "/v1/me");
      expect(answer.status, name).toBe(401);
      expect(answer.body.error.code, name).toBe("unauthorized");
    }
  });

  it("answers 401 to a token of the runtime's own key that expired, is for another audience or issuer, or has no role", async () => {
    expect((await as(await forge({}, { key: "runtime" }), "GET", "/v1/me")).status).toBe(200);
    const refused = {
      expired: await forge({}, { key: "runtime", expired: true }),
      audience: await forge({}, { key: "runtime", audience: "another-app" }),
      issuer: await forge(
        {},
        { key: "runtime", issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other" },
      ),
      roleless: await forge({ "cognito:groups": ["owners"] }, { key: "runtime" }),
      accessToken: await forge({ token_use: "access" }, { key: "runtime" }),
    };
    for (const [name, token] of Object.entries(refused))
      expect((await as(token, "GET", "/v1/me")).status, name).toBe(401);
  });
});

describe("what the console reads", () => {
  it("lists the follow-up rules and tests one against past responses", async () => {
    const { body: rules } = await as(tokens.viewer, "GET", "/v1/rules");
    const detractor = rules.items.find((rule: Json) => rule.name === "nps-detractor");
    expect(detractor.pattern).toMatchObject({ source: ["cxloop"], "detail-type": ["Response Recorded"] });
    const tested = await as(tokens.viewer, "POST", "/v1/rules/nps-detractor/test", {});
    expect(tested.body).toMatchObject({ rule: "nps-detractor", matched: 1, wouldOpenCases: 1, truncated: false });
    expect(tested.body.examples[0]).toMatchObject({ id: "people-1", score: 2, comment: "The delivery was late again" });
    expect((await as(tokens.viewer, "POST", "/v1/rules/nope/test", {})).status).toBe(404);
    const backwards = await as(tokens.viewer, "POST", "/v1/rules/nps-detractor/test", {
      from: "2026-02-01",
      to: "2026-01-01",
    });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.details[0].path).toBe("from");
  });

  it("finds a customer by id or by email in any case, and nothing for a stranger", async () => {
    const ids = async (q: string) =>
      (await as(tokens.viewer, "GET", `/v1/customers?q=${encodeURIComponent(q)}`)).body.items.map(
        (item: Json) => item.id,
      );
    expect(await ids("c-people-1")).toEqual(["c-people-1"]);
    expect(await ids("kim.buyer@people.example")).toEqual(["c-people-1"]);
    expect(await ids("nobody@people.example")).toEqual([]);
    expect((await as(tokens.viewer, "GET", "/v1/customers?q=")).status).toBe(422);
  });

  it("lists the responses behind a theme", async () => {
    const { body } = await as(tokens.viewer, "GET", "/v1/responses?theme=delivery");
    expect(body.items.map((item: Json) => item.id)).toEqual(["people-1"]);
    expect((await as(tokens.viewer, "GET", "/v1/responses?theme=pricing")).body.items).toEqual([]);
  });

  it("links alerts to the console's case page", async () => {
    const alert = await eventually(async () => {
      const { body } = await local.call("GET", "/_local/outbox");
      return body.items.find((item: Json) => item.kind === "email" && item.text.includes("case-people-1"));
    }, SETTLE_MS);
    expect(alert.text).toContain(`${base}/cases/case-people-1`);
  });

  it("serves the console at / and at its own paths, with its configuration and a strict CSP", async () => {
    for (const path of ["/", "/cases/case-people-1"]) {
      const page = await fetch(`${base}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get("content-security-policy"), path).toContain("script-src 'self'");
      expect(await page.text(), path).toContain('<script type="module" src="/app.js">');
    }
    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({
      signIn: { kind: "local", url: "/_local/sign-in" },
    });
    expect((await fetch(`${base}/v1/nothing-here`)).status).toBe(404);
  });
});
