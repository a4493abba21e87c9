import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTE_HANDLERS } from "../../lambdas/contracts/routes";
import { RouteTable } from "../../local/api-gateway";
import { nextFire } from "../../local/schedules";
import { readTopology, synthesizeTemplate, type Topology } from "../../local/template";

describe("schedule expressions", () => {
  const from = new Date("2026-11-22T10:17:30Z");
  it.each([
    ["rate(1 minute)", "2026-11-22T10:18:30.000Z"],
    ["rate(5 minutes)", "2026-11-22T10:22:30.000Z"],
    ["rate(2 hours)", "2026-11-22T12:17:30.000Z"],
    ["rate(1 day)", "2026-11-23T10:17:30.000Z"],
    ["cron(0 9 * * ? *)", "2026-11-23T09:00:00.000Z"],
    ["cron(0/15 * * * ? *)", "2026-11-22T10:30:00.000Z"],
    ["cron(0 8 ? * MON *)", "2026-11-23T08:00:00.000Z"],
    ["cron(0 12 L * ? *)", "2026-11-30T12:00:00.000Z"],
  ])("%s fires next at %s", (expression, expected) => {
    expect(nextFire(expression, from).toISOString()).toBe(expected);
  });
  it.each([
    // Monday 08:00 local: 07:00 UTC in Berlin's winter, 06:00 in its summer, 13:00 in New York's winter.
    ["Europe/Berlin", "2026-11-22T10:17:30Z", "2026-11-23T07:00:00.000Z"],
    ["Europe/Berlin", "2026-06-21T10:00:00Z", "2026-06-22T06:00:00.000Z"],
    ["America/New_York", "2026-11-22T10:17:30Z", "2026-11-23T13:00:00.000Z"],
    // Berlin moves to summer time on Sunday 2027-03-28: the Monday after already runs at 06:00 UTC.
    ["Europe/Berlin", "2027-03-27T12:00:00Z", "2027-03-29T06:00:00.000Z"],
    // Already past 08:00 local on Monday: the next week's.
    ["Europe/Berlin", "2026-11-23T07:30:00Z", "2026-11-30T07:00:00.000Z"],
    ["UTC", "2026-11-22T10:17:30Z", "2026-11-23T08:00:00.000Z"],
  ])("cron(0 8 ? * MON *) in %s after %s fires at %s", (timeZone, after, expected) => {
    expect(nextFire("cron(0 8 ? * MON *)", new Date(after), timeZone).toISOString()).toBe(expected);
  });
  it("fires a daily 02:30 once on the night the clocks fall back over it", () => {
    const first = nextFire("cron(30 2 * * ? *)", new Date("2026-10-24T12:00:00Z"), "Europe/Berlin");
    expect(["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z"]).toContain(first.toISOString());
    expect(nextFire("cron(30 2 * * ? *)", first, "Europe/Berlin").toISOString()).toBe("2026-10-26T01:30:00.000Z");
  });
  it.each(["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "every day", "cron()"])(
    "rejects %s",
    (expression) => {
      expect(() => nextFire(expression, from)).toThrow(/invalid schedule expression|cron/i);
    },
  );
});

describe("route selection", () => {
  const routes = new RouteTable([
    { routeKey: "GET /v1/responses/{id}", functionLogicalId: "ById" },
    { routeKey: "GET /v1/responses", functionLogicalId: "List" },
    { routeKey: "POST /v1/responses/batch", functionLogicalId: "Batch" },
    { routeKey: "POST /v1/responses", functionLogicalId: "Submit" },
    { routeKey: "GET /files/{proxy+}", functionLogicalId: "Files" },
  ]);
  it("prefers exact paths, extracts parameters, and tells a wrong method from a missing route", () => {
    expect(routes.match("POST", "/v1/responses/batch")).toMatchObject({ route: { functionLogicalId: "Batch" } });
    expect(routes.match("GET", "/v1/responses/abc:1")).toMatchObject({
      route: { functionLogicalId: "ById" },
      pathParameters: { id: "abc:1" },
    });
    expect(routes.match("GET", "/files/a/b/c.txt")).toMatchObject({ pathParameters: { proxy: "a/b/c.txt" } });
    expect(routes.match("DELETE", "/v1/responses")).toBe("method-not-allowed");
    expect(routes.match("GET", "/v1/nothing")).toBeUndefined();
  });
});

describe("topology read from the synthesized stack", () => {
  let topology: Topology;
  beforeAll(() => {
    topology = readTopology(
      synthesizeTemplate({ stage: "dev", cdkJsonPath: join(import.meta.dirname, "../../cdk.json") }),
    );
  });

  it("finds every API route wired to the function that serves it", () => {
    const handlerOf = new Map(topology.functions.map((fn) => [fn.logicalId, fn.handler]));
    const wired = Object.fromEntries(
      topology.routes.map((route) => [route.routeKey, handlerOf.get(route.functionLogicalId)]),
    );
    expect(wired).toEqual(ROUTE_HANDLERS);
  });

  it("finds the intake queue's redrive policy and the enrichment mapping's settings", () => {
    const [mapping] = topology.queueMappings;
    expect(mapping).toMatchObject({
      batchSize: 10,
      batchingWindowSeconds: 1,
      reportBatchItemFailures: true,
      // ScalingConfig: the most batches the local pollers keep in flight.
      maximumConcurrency: 5,
    });
    const queue = topology.queues.find((q) => q.logicalId === mapping?.queueLogicalId);
    expect(queue?.deadLetter?.maxReceiveCount).toBe(5);
    expect(topology.queues.some((q) => q.logicalId === queue?.deadLetter?.queueLogicalId)).toBe(true);
    expect(topology.functions.find((fn) => fn.logicalId === mapping?.functionLogicalId)?.handler).toBe("enrich");
    // No function reserves concurrency: each gets the local runtime's bound on sandboxes.
    expect(topology.functions.filter((fn) => fn.reservedConcurrency !== undefined)).toEqual([]);
  });

  it("reads CORS, tables and the bus", () => {
    expect(topology.cors?.allowOrigins).toEqual(["http://localhost:3000"]);
    expect(topology.tables).toHaveLength(1);
    expect(topology.buses.map((bus) => bus.name)).toEqual(["cxloop"]);
  });

  it("reads each function's memory size and the bus's archive, which bill by them", () => {
    const memoryOf = (handler: string) => topology.functions.find((fn) => fn.handler === handler)?.memoryMb;
    expect(memoryOf("intake")).toBe(512);
    expect(memoryOf("metrics-rollup")).toBe(1024);
    expect(topology.archives).toEqual([
      expect.objectContaining({ busName: "cxloop", eventPattern: { source: ["cxloop"] } }),
    ]);
  });
});
