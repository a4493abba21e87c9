import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../local/runtime";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const run = promisify(execFile);
const local = localApi("loop");
const API_KEY = local.apiKey;
const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };

/** A Slack stand-in that fails the first two posts to /cx-team and every post to /logistics. */
const slackPosts: { channel: string; status: number; body: Json }[] = [];
let flakySlack: Server;
let cxTeamFailuresLeft = 2;

const get = async (path: string): Promise<Json> => (await local.call("GET", path)).body;
const send = local.call;
let runtime: LocalRuntime;
const outbox = async (): Promise<Json[]> => (await get("/_local/outbox")).items;
const delivered = (channel: string) => slackPosts.filter((post) => post.channel === channel && post.status === 200);

beforeAll(async () => {
  flakySlack = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const channel = (request.url ?? "/").slice(1);
      const fail = channel === "logistics" || (channel === "cx-team" && cxTeamFailuresLeft-- > 0);
      const status = fail ? 500 : 200;
      slackPosts.push({ channel, status, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(fail ? "internal_error" : "ok");
    });
  });
  await new Promise<void>((resolve) => flakySlack.listen(0, "127.0.0.1", resolve));
  process.env.CXLOOP_SLACK_WEBHOOK_URL = `http://127.0.0.1:${(flakySlack.address() as AddressInfo).port}/{name}`;
  runtime = await local.start({
    maxVisibilityTimeoutSeconds: 2,
    adjustConfig: (config) => ({
      ...config,
      maxReceiveCount: 3,
      // Due two seconds after opening, so the sweeper has something to escalate without waiting two days.
      followUp: {
        ...config.followUp,
        slaHours: { default: 2 / 3600, highValue: 1 / 3600 },
        escalationIntervalHours: 1000,
      },
    }),
  });
});
afterAll(async () => {
  await local.stop();
  delete process.env.CXLOOP_SLACK_WEBHOOK_URL;
  await new Promise<void>((resolve) => flakySlack.close(() => resolve()));
  local.removeData();
});

describe("close the loop in the local runtime", () => {
  // The first test of the file also waits for the functions' first start, which is slow on a busy machine.
  it("opens exactly one routed case per detractor, with one Slack message (after two failures) and one email", async () => {
    const detractor = {
      id: "loop-1",
      type: "nps",
      score: 1,
      comment: "Nobody called me back",
      survey: "post-purchase",
      customer: { id: "c-7" },
    };
    expect((await send("POST", "/v1/responses", detractor)).status).toBe(202);

    const opened = await eventually(async () => {
      const found = await fetch(`${runtime.url}/v1/cases/case-loop-1`, { headers: auth });
      return found.status === 200 ? ((await found.json()) as Json) : undefined;
    });
    expect(opened).toMatchObject({
      responseId: "loop-1",
      status: "open",
      owner: "cx-team",
      rule: "nps-detractor",
      escalationLevel: 0,
    });

    const emails = await eventually(async () => {
      const items = (await outbox()).filter((item) => item.kind === "email" && item.to === "cx-team@example.com");
      return items.length ? items : undefined;
    });
    await eventually(async () => (delivered("cx-team").length ? true : undefined));
    expect(slackPosts.filter((post) => post.channel === "cx-team").map((post) => post.status)).toEqual([500, 500, 200]);
    expect(delivered("cx-team")[0]?.body.blocks[0]).toMatchObject({ type: "header" });
    expect(emails).toHaveLength(1);
    expect(emails[0].subject).toContain("NPS 1/10 (detractor)");

    // The same response again: no second case, no second alert.
    expect((await send("POST", "/v1/responses", detractor)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const cases = await get("/v1/cases?limit=100");
    expect(cases.items.filter((item: Json) => item.responseId === "loop-1")).toHaveLength(1);
    expect(delivered("cx-team")).toHaveLength(1);
    expect((await outbox()).filter((item) => item.to === "cx-team@example.com")).toHaveLength(1);
  }, 90_000);

  it("keeps the case and shows the failure in the DLQ when Slack keeps failing", async () => {
    const late = { id: "loop-2", type: "csat", score: 1, touchpoint: "delivery", comment: "Parcel lost" };
    expect((await send("POST", "/v1/responses", late)).status).toBe(202);
    const sqs = new SQSClient({
      endpoint: runtime.endpoints.sqs,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const dlq = runtime.topology.queues.find((queue) =>
      queue.logicalId.startsWith("CloseTheLoopAlertsQueueDeadLetterQueue"),
    );
    await eventually(async () =>
      (await fetch(`${runtime.url}/v1/cases/case-loop-2`, { headers: auth })).ok ? true : undefined,
    );
    const depth = await eventually(async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: `${runtime.endpoints.sqs}/000000000000/${dlq?.logicalId}`,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      );
      const count = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
      return count > 0 ? count : undefined;
    }, 25_000);
    expect(depth).toBe(1);
    expect(await get("/v1/cases/case-loop-2")).toMatchObject({ owner: "logistics", rule: "csat-low", status: "open" });
    // Email is a separate channel: it went out even though Slack did not.
    expect((await outbox()).filter((item) => item.to === "logistics@example.com")).toHaveLength(1);
  });

  it("escalates an overdue case once per level when the sweeper runs, and a rerun does nothing", async () => {
    const { items } = await get("/_local/schedules");
    const sweep = items.find((item: Json) => item.name.startsWith("CloseTheLoopSlaSweepSchedule"));
    expect(sweep.expression).toBe("rate(15 minutes)");
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect((await send("POST", `/_local/schedules/${sweep.name}/invoke`, {})).body.status).toBe("done");
    const escalated = await get("/v1/cases/case-loop-1");
    expect(escalated.escalationLevel).toBe(1);
    expect(escalated.history.at(-1).change).toBe("overdue: escalated to level 1");
    await eventually(async () => {
      const items = (await outbox()).filter(
        (item) => item.to === "team-lead@example.com" && item.text.includes("case-loop-1"),
      );
      return items.length ? items : undefined;
    });

    await send("POST", `/_local/schedules/${sweep.name}/invoke`, {});
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await get("/v1/cases/case-loop-1")).escalationLevel).toBe(1);
    expect(
      (await outbox()).filter((item) => item.to === "team-lead@example.com" && item.text.includes("case-loop-1")),
    ).toHaveLength(1);
  });

  it("replays stored responses through a rule with the CLI and reports the cases it would open", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "bin/cli.ts", "rules", "test", "nps-detractor", "--endpoint", runtime.url, "--key", API_KEY],
      { cwd: join(import.meta.dirname, "../..") },
    );
    expect(JSON.parse(stdout)).toMatchObject({ rule: "nps-detractor", responses: 2, matched: 1, wouldOpenCases: 1 });
    const unknown = await run(
      process.execPath,
      ["--import", "tsx", "bin/cli.ts", "rules", "test", "nope", "--endpoint", runtime.url, "--key", API_KEY],
      {
        cwd: join(import.meta.dirname, "../.."),
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(unknown).toMatchObject({ code: 2 });
    expect((unknown as { stderr: string }).stderr).toContain("no follow-up rule 'nope'");
  });

  it("runs a case through its lifecycle over PATCH, refuses invalid moves with 409, and reflects it in stats", async () => {
    const contacted = await send(
      "PATCH",
      "/v1/cases/case-loop-1",
      { status: "contacted", note: "Called, refund offered" },
      // A header cannot forge who made the change: history names the key that made it.
      { "x-cxloop-actor": "mallory" },
    );
    expect(contacted.status).toBe(200);
    expect(contacted.body).toMatchObject({
      status: "contacted",
      notes: [{ by: "local", text: "Called, refund offered" }],
    });
    expect(JSON.stringify(contacted.body.history)).not.toContain("mallory");
    expect(contacted.body.firstContactAt).not.toBeNull();

    const invalid = await send("PATCH", "/v1/cases/case-loop-1", { status: "open" });
    expect(invalid.status).toBe(409);
    expect(invalid.body.error.code).toBe("conflict");
    const unknownField = await send("PATCH", "/v1/cases/case-loop-1", { priority: "low" });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.error.details[0].path).toBe("priority");

    const resolved = await send("PATCH", "/v1/cases/case-loop-1", { status: "resolved", rootCause: "callback missed" });
    expect(resolved.body).toMatchObject({ status: "resolved", rootCause: "callback missed" });
    expect(resolved.body.history.map((entry: Json) => entry.by)).toContain("local");
    expect((await send("PATCH", "/v1/cases/case-loop-1", { status: "contacted" })).status).toBe(409);
    expect((await send("PATCH", "/v1/cases/nope", { status: "contacted" })).status).toBe(404);

    const stats = await get("/v1/cases/stats");
    expect(stats).toMatchObject({ cases: 2, open: 1, closedWithinSla: { closed: 1, withinSla: 0, percent: 0 } });
    expect(stats.timeToFirstContactHours.contacted).toBe(1);
    expect(stats.byOwner).toEqual([{ owner: "logistics", open: 1, overdue: 1 }]);

    const open = await get("/v1/cases?status=open");
    expect(open.items.map((item: Json) => item.id)).toEqual(["case-loop-2"]);
    const overdue = await get("/v1/cases?overdue=true&owner=logistics");
    expect(overdue.items.map((item: Json) => item.id)).toEqual(["case-loop-2"]);
  });
});
