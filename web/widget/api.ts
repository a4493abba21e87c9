import type { Eligibility } from "../../lambdas/contracts/collect";
import type { ErrorBody } from "../../lambdas/contracts/errors";
import type { WidgetSubmission } from "./submission";

/** An answer on its way: where it goes and with which key, so any later page of the site can send it. */
export interface Pending {
  endpoint: string;
  key: string;
  body: WidgetSubmission;
  queuedAt: number;
}

export type Delivery = { outcome: "accepted" } | { outcome: "refused"; reason: string } | { outcome: "retry" };

const OUTBOX_KEY = "cxloop.widget.outbox";
/** Long enough to outlast being offline; short enough that an answer the API can never take is not resent for ever. */
const OUTBOX_KEEP_MS = 7 * 24 * 3600 * 1000;

/** A send still unanswered by then counts as failed: it waits in the outbox, and the page thanks. */
const SEND_TIMEOUT_MS = 10_000;
/** An eligibility check still unanswered by then counts as failed: the question shows. */
const ELIGIBILITY_TIMEOUT_MS = 5_000;

/** Answers that mean "not now" rather than "never": a timeout, throttling, the server's own trouble. */
const mayPassLater = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Sends one answer. A refusal that will never pass (403 origin not allowed, 422, 429 survey_throttled) says why; anything else that
 * fails (no network, a CORS refusal, which looks the same to a script, no answer in time, 408, 429, 5xx) is worth
 * retrying: with the same id, a send that did arrive is not stored twice.
 */
export async function deliver({ endpoint, key, body }: Pending): Promise<Delivery> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch {
    return { outcome: "retry" };
  }
  if (response.ok) return { outcome: "accepted" };
  const answer = (await response.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
  // A throttled survey will not take this customer's answer inside its window, however often it is resent.
  if (mayPassLater(response.status) && answer?.error?.code !== "survey_throttled") return { outcome: "retry" };
  const reason = answer?.error?.message;
  return { outcome: "refused", reason: typeof reason === "string" ? reason : `HTTP ${response.status}` };
}

/**
 * Whether this customer may be asked now (the survey's throttle). Anything but a clear "no" in time shows the
 * question: a survey shown once too often beats an answer never given.
 */
export async function mayAsk(eligibilityUrl: URL, key: string): Promise<boolean> {
  try {
    const response = await fetch(eligibilityUrl, {
      headers: { authorization: `Bearer ${key}` },
      credentials: "omit",
      signal: AbortSignal.timeout(ELIGIBILITY_TIMEOUT_MS),
    });
    if (!response.ok) return true;
    const answer = (await response.json()) as Partial<Eligibility>;
    return answer.eligible !== false;
  } catch {
    return true;
  }
}

/** The answers not yet taken by the API, in `localStorage` (none when the page may not use it). */
function readOutbox(): Pending[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? "[]");
    return Array.isArray(stored) ? stored.filter((item: Partial<Pending>) => typeof item?.body?.id === "string") : [];
  } catch {
    return [];
  }
}

function writeOutbox(items: Pending[]) {
  try {
    if (items.length === 0) localStorage.removeItem(OUTBOX_KEY);
    else localStorage.setItem(OUTBOX_KEY, JSON.stringify(items));
  } catch {
    // Storage full or refused: the answer is still sent once, only without a second chance.
  }
}

const settle = (id: string) => writeOutbox(readOutbox().filter((item) => item.body.id !== id));

/** Sends an answer, kept in the outbox first, so one lost with the page (closed mid-send) is sent on the next. */
export async function send(item: Pending): Promise<Delivery> {
  writeOutbox([...readOutbox(), item]);
  const delivery = await deliver(item);
  if (delivery.outcome !== "retry") settle(item.body.id);
  return delivery;
}

/**
 * Sends what earlier pages left for this endpoint, oldest first, with their own ids: if one did arrive before,
 * the API answers it again without storing it twice. Stops at the first that fails again (still offline).
 */
export async function resendPending(endpoint: string) {
  for (const item of readOutbox()) {
    if (item.endpoint !== endpoint) continue;
    if (Date.now() - item.queuedAt > OUTBOX_KEEP_MS) {
      settle(item.body.id);
      continue;
    }
    const { outcome } = await deliver(item);
    if (outcome === "retry") return;
    settle(item.body.id);
  }
}
