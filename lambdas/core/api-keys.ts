import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKeyEntry, Caller } from "../contracts/auth";
import { KEY_CACHE_SECONDS, type KeyCreateInput, type KeySummary, MANAGED_KEY_PATTERN } from "../contracts/keys";
import { hashApiKey } from "./auth";
import { notFound } from "./client-error";

/** A managed key at rest: never the key, only a per-key salt and the hash of the secret with it. */
export interface StoredKey {
  id: string;
  name: string;
  scopes: KeySummary["scopes"];
  allowedOrigins: string[];
  salt: string;
  hash: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface KeyStorePort {
  /** Stores a new key; an existing id is an error (ids are fresh ULIDs). */
  create(key: StoredKey): Promise<void>;
  get(id: string): Promise<StoredKey | undefined>;
  list(): Promise<StoredKey[]>;
  /** Whether there was a key to delete. */
  delete(id: string): Promise<boolean>;
  /** Records a use; false when the key is gone (revoked meanwhile). */
  touch(id: string, at: Date): Promise<boolean>;
}

/**
 * The secret is 256 random bits, so a salted SHA-256 is enough: a slow password hash guards
 * guessable secrets, and would cost every request its time without making these harder to guess.
 */
const saltedHash = (salt: string, secret: string) =>
  createHash("sha256").update(`${salt}:${secret}`, "utf8").digest("hex");

const summaryOf = (key: StoredKey): KeySummary => ({
  id: key.id,
  name: key.name,
  scopes: [...key.scopes],
  allowedOrigins: key.allowedOrigins,
  source: "managed",
  createdAt: key.createdAt,
  lastUsedAt: key.lastUsedAt,
});

export async function issueKey(
  input: KeyCreateInput,
  ports: { store: KeyStorePort; newId: () => string; now: () => Date },
): Promise<KeySummary & { id: string; key: string }> {
  const id = ports.newId();
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16).toString("base64url");
  const stored: StoredKey = {
    id,
    name: input.name,
    scopes: input.scopes,
    allowedOrigins: input.allowedOrigins,
    salt,
    hash: saltedHash(salt, secret),
    createdAt: ports.now().toISOString(),
    lastUsedAt: null,
  };
  await ports.store.create(stored);
  return { ...summaryOf(stored), id, key: `cxk_${id}_${secret}` };
}

/** The stage's bootstrap keys first, then the managed ones, oldest first. */
export async function listKeys(stageKeys: readonly ApiKeyEntry[], store: KeyStorePort): Promise<KeySummary[]> {
  const managed = await store.list();
  return [
    ...stageKeys.map(
      (key): KeySummary => ({
        id: null,
        name: key.name,
        scopes: [...key.scopes],
        allowedOrigins: [],
        source: "stage",
        createdAt: null,
        lastUsedAt: null,
      }),
    ),
    ...managed.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(summaryOf),
  ];
}

export async function revokeKey(id: string, store: KeyStorePort): Promise<{ id: string; status: "revoked" }> {
  if (!(await store.delete(id))) throw notFound(`no key ${id}; it may have been revoked already`);
  return { id, status: "revoked" };
}

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const CACHE_LIMIT = 1000;
const TOUCH_EVERY_MS = 60_000;

/**
 * Finds who a presented key belongs to. Managed keys are read from the store and trusted for
 * `KEY_CACHE_SECONDS` per running function, so a revocation takes effect everywhere within that,
 * and a busy key costs one read per function per period rather than one per request.
 */
export class KeyDirectory {
  private readonly cache = new Map<string, { key: StoredKey | undefined; readAt: number }>();

  constructor(
    private readonly stageKeys: readonly ApiKeyEntry[],
    private readonly store: KeyStorePort,
    private readonly now: () => Date,
  ) {}

  async find(presented: string): Promise<Caller | undefined> {
    const managed = MANAGED_KEY_PATTERN.exec(presented);
    if (!managed) {
      const hash = hashApiKey(presented);
      const entry = this.stageKeys.find((key) => sameHash(key.sha256, hash));
      return entry && { kind: "key", id: null, name: entry.name, scopes: entry.scopes, allowedOrigins: [] };
    }
    const [, id, secret] = managed as unknown as [string, string, string];
    const key = await this.read(id);
    if (!key || !sameHash(key.hash, saltedHash(key.salt, secret))) return undefined;
    if (!(await this.recordUse(key))) return undefined;
    return { kind: "key", id: key.id, name: key.name, scopes: key.scopes, allowedOrigins: key.allowedOrigins };
  }

  private async read(id: string): Promise<StoredKey | undefined> {
    const now = this.now().getTime();
    const cached = this.cache.get(id);
    if (cached && now - cached.readAt < KEY_CACHE_SECONDS * 1000) return cached.key;
    const key = await this.store.get(id);
    this.cache.delete(id);
    // Unknown ids are remembered too, so guessing costs the table nothing; the oldest entry makes room.
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, { key, readAt: now });
    return key;
  }

  /** Keeps `lastUsedAt` within a minute of the truth; a key deleted meanwhile is refused at once. */
  private async recordUse(key: StoredKey): Promise<boolean> {
    const now = this.now();
    if (key.lastUsedAt && now.getTime() - Date.parse(key.lastUsedAt) < TOUCH_EVERY_MS) return true;
    if (!(await this.store.touch(key.id, now))) {
      this.cache.set(key.id, { key: undefined, readAt: now.getTime() });
      return false;
    }
    key.lastUsedAt = now.toISOString();
    return true;
  }
}
