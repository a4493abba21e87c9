import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { OutboxItem } from "../../local/outbox";
import { eventually } from "../support/eventually";
import type { Json } from "../support/local-api";

/**
 * `npm start` as a user runs it, in a child process, interrupted under load: Ctrl-C must finish
 * every accepted response, case and alert before it exits, and a SIGKILL must lose none of them.
 */
const ROOT = join(import.meta.dirname, "../..");
const API_KEY = "e2e-durability-key";
const dataDir = mkdtempSync(join(tmpdir(), "cxloop-durability-"));
const SUBMISSIONS = 200;
/** Ctrl-C comes after this many 202s, with the other submissions still in flight. */
const INTERRUPT_AFTER = 70;

interface Child {
  url: string;
  process: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
const children: Child[] = [];

async function startRuntime(): Promise<Child> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", CXLOOP_DATA_DIR: dataDir, CXLOOP_LOCAL_API_KEY: API_KEY };
  // Alerts must land in the runtime's own outbox.
  delete env.CXLOOP_SLACK_WEBHOOK_URL;
  delete env.CXLOOP_SMTP_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "local/start.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const banner = /API\s+(http:\/\/\S+)\/v1/.exec(output);
      if (banner) resolve(banner[1] as string);
    });
    void exited.then(() => reject(new Error(`the local runtime exited before it was ready:\n${output}`)));
  });
  const started = { url, process: child, output: () => output, exited };
  children.push(started);
  return started;
}

afterAll(async () => {
  for (const child of children)
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill("SIGKILL");
      await child.exited;
    }
  rmSync(dataDir, { recursive: true, force: true });
});

const detractor = (id: string, i: number) => ({
  id,
  type: "nps",
  score: i % 7,
  comment: "Nobody called me back about the late delivery",
  survey: "post-purchase",
  channel: "email",
});

const call = async (runtime: Child, method: string, path: string, body?: unknown) => {
  const answer = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: answer.status, body: (await answer.json()) as Json };
};

/** Every page of a list endpoint. */
async function listAll(runtime: Child, path: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const { status, body } = await call(runtime, "GET", `${path}${path.includes("?") ? "&" : "?"}${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

/** How often each id occurs, and the ids occurring other than once among `expected`. */
function tally(ids: string[], expected: string[]) {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return {
    lost: expected.filter((id) => !counts.has(id)),
    doubled: [...counts].filter(([, count]) => count > 1).map(([id]) => id),
    unexpected: [...counts.keys()].filter((id) => !expected.includes(id)),
  };
}

/** Alerts by channel, named by the response whose case they are about. */
function alertsOf(items: OutboxItem[]) {
  const responseOf = (item: OutboxItem) =>
    /Case:? case-(dur-[ab]-\w+)/.exec(`${item.text} ${JSON.stringify(item.payload)}`)?.[1] ?? "";
  return {
    slack: items.filter((item) => item.kind === "slack" && item.to === "cx-team").map(responseOf),
    email: items.filter((item) => item.kind === "email" && item.to === "cx-team@example.com").map(responseOf),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const outboxFile = (): OutboxItem[] =>
  existsSync(join(dataDir, "outbox.jsonl"))
    ? readFileSync(join(dataDir, "outbox.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

/** Submits every body at once; `onAccepted` hears each 202 as it comes. */
async function submitAll(runtime: Child, bodies: { id: string }[], onAccepted: (count: number) => void = () => {}) {
  const accepted: string[] = [];
  const refused: string[] = [];
  await Promise.all(
    bodies.map(async (body) => {
      try {
        const { status } = await call(runtime, "POST", "/v1/responses", body);
        if (status === 202) {
          accepted.push(body.id);
          onAccepted(accepted.length);
        } else refused.push(body.id);
      } catch {
        // The runtime closed the connection on its way out: not accepted, the client would retry.
        refused.push(body.id);
      }
    }),
  );
  return { accepted, refused };
}

/** Waits until the outbox's alerts satisfy `enough`; looks about once a second, the outbox is large. */
const alertedUntil = (runtime: Child, enough: (found: ReturnType<typeof alertsOf>) => boolean) =>
  eventually(async () => {
    const { body } = await call(runtime, "GET", "/_local/outbox");
    const found = alertsOf(body.items);
    if (enough(found)) return found;
    await sleep(900);
    return undefined;
  }, 120_000);

/** Waits until every one of `ids` has its Slack message and its email. */
const allAlerted = (runtime: Child, ids: string[]) =>
  alertedUntil(runtime, (found) => ids.every((id) => found.slack.includes(id) && found.email.includes(id)));

/**
 * Every accepted response stored once, with one case and one alert per channel: what the pipeline promises.
 * An alert is sent after its case is opened, which is after its response is stored, so the alerts are awaited.
 */
async function expectProcessedOnce(runtime: Child, accepted: string[]) {
  const alerts = await allAlerted(runtime, accepted);
  const stored = await listAll(runtime, "/v1/responses");
  const cases = await listAll(runtime, "/v1/cases");
  return {
    responses: tally(
      stored.map((item: Json) => item.id),
      accepted,
    ),
    // A second case for a response would have another id; the same case met twice is the list's paging, not a count.
    cases: tally([...new Map(cases.map((item: Json) => [item.id, item.responseId])).values()], accepted),
    slack: tally(alerts.slack, accepted),
    email: tally(alerts.email, accepted),
  };
}

describe("the local runtime interrupted under load", () => {
  let runtime: Child;
  const accepted: string[] = [];

  it("finishes every accepted response, case and alert on Ctrl-C before closing any stand-in, then exits", async () => {
    runtime = await startRuntime();
    const first = runtime;
    // Ctrl-C hits a runtime that has been running: its sandboxes have finished their cold starts.
    expect((await call(first, "POST", "/v1/responses", detractor("dur-a-warm", 0))).status).toBe(202);
    await allAlerted(first, ["dur-a-warm"]);
    accepted.push("dur-a-warm");
    let interruptedAt = 0;
    const bodies = Array.from({ length: SUBMISSIONS }, (_, i) => detractor(`dur-a-${i}`, i));
    let late: Promise<number> | undefined;
    const submitted = await submitAll(first, bodies, (count) => {
      if (count !== INTERRUPT_AFTER) return;
      interruptedAt = Date.now();
      first.process.kill("SIGINT");
      // Draining, the API takes nothing new (the rest is still in flight): a late client is told to retry.
      late = eventually(async () => (first.output().includes("draining ") ? true : undefined)).then(
        async () => (await call(first, "POST", "/v1/responses", detractor("dur-a-late", 0))).status,
      );
    });
    expect(await late, "answer to a submission made while draining").toBe(503);
    const exit = await first.exited;
    const exitedAt = Date.now();
    expect(exit, first.output()).toEqual({ code: 0, signal: null });
    const inFlight = /draining (\d+) queued message\(s\), (\d+) event deliver\(ies\), (\d+) request\(s\)/.exec(
      first.output(),
    );
    expect(first.output()).toContain("nothing left over");
    accepted.push(...submitted.accepted);

    // Before anything restarts: the drain itself delivered every alert, so the stand-ins were still up.
    const outbox = outboxFile();
    const drained = alertsOf(outbox);
    expect(tally(drained.slack, accepted)).toEqual({ lost: [], doubled: [], unexpected: [] });
    expect(tally(drained.email, accepted)).toEqual({ lost: [], doubled: [], unexpected: [] });

    runtime = await startRuntime();
    const figures = await expectProcessedOnce(runtime, accepted);
    for (const counted of Object.values(figures)) expect(counted).toEqual({ lost: [], doubled: [], unexpected: [] });
    console.log(
      `SIGINT: ${submitted.accepted.length} accepted, ${submitted.refused.length} refused, one more sent while draining refused with 503; in flight at the signal: ` +
        `${inFlight?.[1]} queued messages, ${inFlight?.[2]} event deliveries, ${inFlight?.[3]} requests; ` +
        `lost 0, doubled 0; exit ${seconds(exitedAt - interruptedAt)} after the signal, ` +
        `${seconds(exitedAt - Math.max(...outbox.map((item) => Date.parse(item.at))))} after the last alert went out`,
    );
  }, 300_000);

  it("loses nothing and counts nothing twice when killed (SIGKILL) after the last 202, mid-pipeline", async () => {
    const bodies = Array.from({ length: SUBMISSIONS }, (_, i) => detractor(`dur-b-${i}`, i));
    const submitted = await submitAll(runtime, bodies);
    expect(submitted.refused).toEqual([]);
    // Killed mid-pipeline: some alerts are out, the rest is in queues, rule deliveries and sandboxes.
    await alertedUntil(runtime, (found) => found.email.filter((id) => id.startsWith("dur-b-")).length >= 20);
    runtime.process.kill("SIGKILL");
    await runtime.exited;
    accepted.push(...submitted.accepted);

    runtime = await startRuntime();
    const restored = Number(/restored (\d+) queued message\(s\) from the journal/.exec(runtime.output())?.[1] ?? 0);
    const resumed = Number(/resumed (\d+) event deliver\(ies\)/.exec(runtime.output())?.[1] ?? 0);
    expect(restored).toBeGreaterThan(0);
    const figures = await expectProcessedOnce(runtime, accepted);
    expect(figures.responses).toEqual({ lost: [], doubled: [], unexpected: [] });
    expect(figures.cases).toEqual({ lost: [], doubled: [], unexpected: [] });
    // An alert killed between its send and its delivery record goes out again: notify sends at least once.
    expect(figures.slack.lost).toEqual([]);
    expect(figures.email.lost).toEqual([]);

    const { body: schedules } = await call(runtime, "GET", "/_local/schedules");
    const rollup = schedules.items.find((item: Json) => item.name.startsWith("MetricsRollupSchedule"));
    expect((await call(runtime, "POST", `/_local/schedules/${rollup.name}/invoke`)).body.status).toBe("done");
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const { body: metrics } = await call(runtime, "GET", `/v1/metrics?from=${day(-1)}&to=${day(0)}`);
    expect(metrics.nps.responses).toBe(accepted.length);
    console.log(
      `SIGKILL: ${submitted.accepted.length} accepted; in flight at the kill: ${restored} queued messages, ${resumed} event deliveries; ` +
        `lost 0; doubled: responses 0, cases 0, Slack alerts ${figures.slack.doubled.length}, emails ${figures.email.doubled.length}`,
    );

    runtime.process.kill("SIGINT");
    expect(await runtime.exited).toEqual({ code: 0, signal: null });
  }, 300_000);
});
