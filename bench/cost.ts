import { withLocalRuntime } from "./local-runtime";

/**
 * `npm run bench -- cost`: what one response costs on AWS, counted by the local runtime's meter
 * (`GET /_local/usage`, local/usage.ts) while a workload runs through the same code `npm start` runs,
 * logging as deployed. Each kind of response is metered alone (the meter is reset before it and read once
 * the pipeline is quiet), then priced per million and weighted into the mix below: once posted one by one
 * (`POST /v1/responses`, as a web form does), once 100 per request (`POST /v1/responses/batch`, as importers
 * and server integrations do). One run of the metrics rollup is metered too: with the day's responses
 * stored, it is the fixed cost a schedule adds.
 */
export const COST_MIX = [
  { kind: "promoter or passive, no comment", share: 0.6 },
  { kind: "promoter or passive, with a comment", share: 0.25 },
  { kind: "detractor with a comment (case + Slack + email)", share: 0.15 },
] as const;
type Kind = (typeof COST_MIX)[number]["kind"];
export const DELIVERIES = ["single POSTs", "batches of 100"] as const;
type Delivery = (typeof DELIVERIES)[number];
const RESPONSES_PER_KIND = 200;
const BATCH_SIZE = 100;
const CUSTOMERS = 100;
const CONCURRENCY = 8;
/** The pipeline is done when nothing was invoked for this long (longer than any batching window). */
const QUIET_MS = 5_000;
const SERVICES = ["apiGateway", "lambda", "sqs", "events", "dynamodb", "logs"] as const;

interface Usage {
  apiGateway: { requests: number };
  lambda: {
    invocations: number;
    gbSeconds: number;
    byFunction: Record<string, { invocations: number; gbSeconds: number }>;
  };
  sqs: { requests: number; byAction: Record<string, number> };
  events: { entries: number; deliveries: number };
  dynamodb: { readUnits: number; writeUnits: number; writeUnitsByIndex: Record<string, number> };
  logs: { bytes: number };
  estimatedUsd: number;
  usdByService: Record<(typeof SERVICES)[number], number>;
}

const COMMENTS = [
  "Delivery was quick and the packaging was great.",
  "The app is easy to use, though the checkout asked for my address twice.",
  "Support answered within minutes, very friendly staff.",
  "Prices went up again and the website kept logging me out.",
];
const DETRACTOR_COMMENTS = [
  "The parcel arrived broken and nobody answered my emails for a week.",
  "Checkout failed three times on my phone, terrible experience.",
  "Billing charged me twice and support hung up on me.",
];

/** Each delivery has its own customers, so the kinds it posts meet the same histories as the other delivery's. */
const customerId = (delivery: Delivery, index: number) => `cost-customer-${DELIVERIES.indexOf(delivery)}-${index}`;

function submission(kind: Kind, delivery: Delivery, index: number) {
  const base = {
    id: `cost-${DELIVERIES.indexOf(delivery)}-${COST_MIX.findIndex((mix) => mix.kind === kind)}-${index}`,
    type: "nps",
    survey: "post-purchase",
    channel: "web",
    touchpoint: "checkout",
    customer: { id: customerId(delivery, index % CUSTOMERS) },
  };
  if (kind === COST_MIX[0].kind) return { ...base, score: 7 + (index % 4) };
  if (kind === COST_MIX[1].kind) return { ...base, score: 7 + (index % 4), comment: COMMENTS[index % COMMENTS.length] };
  return { ...base, score: index % 7, comment: DETRACTOR_COMMENTS[index % DETRACTOR_COMMENTS.length] };
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export interface CostResult {
  runs: { kind: Kind; delivery: Delivery; usage: Usage }[];
  rollupRun: Usage;
}

/**
 * One sandbox per function: each of Lambda's has its own share of a CPU, while here sandboxes share two cores
 * with the stand-ins, so invocations running side by side would each bill the others' CPU time as their own.
 */
const METERED_RUNTIME = { loggingAsDeployed: true, showFunctionOutput: false, maxSandboxesPerFunction: 1 };

export function costBench(log: (line: string) => void): Promise<CostResult> {
  return withLocalRuntime("cost", METERED_RUNTIME, async (_runtime, call) => {
    const usage = async () => (await call("GET", "/_local/usage")) as unknown as Usage;
    const quiet = async () => {
      let last = -1;
      let stillSince = Date.now();
      for (;;) {
        const { invocations } = (await usage()).lambda;
        if (invocations !== last) {
          last = invocations;
          stillSince = Date.now();
        } else if (Date.now() - stillSince >= QUIET_MS) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    // Known customers, as a deployment that imports its CRM has them; outside what is metered.
    for (const delivery of DELIVERIES)
      await call("POST", "/v1/customers/batch", {
        customers: Array.from({ length: CUSTOMERS }, (_, i) => ({
          id: customerId(delivery, i),
          email: `customer${i}@${DELIVERIES.indexOf(delivery)}.example.com`,
          name: `Customer ${i}`,
          segment: i % 3 === 0 ? "enterprise" : "smb",
          plan: "pro",
          annualValue: 1200 + i,
          currency: "EUR",
        })),
      });
    await quiet();
    const post: Record<Delivery, (kind: Kind) => Promise<unknown>> = {
      "single POSTs": async (kind) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < RESPONSES_PER_KIND) {
              const index = next++;
              await call("POST", "/v1/responses", submission(kind, "single POSTs", index));
            }
          }),
        );
      },
      "batches of 100": async (kind) => {
        for (let start = 0; start < RESPONSES_PER_KIND; start += BATCH_SIZE) {
          const responses = Array.from({ length: BATCH_SIZE }, (_, offset) =>
            submission(kind, "batches of 100", start + offset),
          );
          const { accepted } = (await call("POST", "/v1/responses/batch", { responses })) as { accepted?: number };
          if (accepted !== BATCH_SIZE) throw new Error(`a batch of ${kind} had ${accepted} of ${BATCH_SIZE} accepted`);
        }
      },
    };
    const runs: CostResult["runs"] = [];
    for (const delivery of DELIVERIES)
      for (const { kind } of COST_MIX) {
        await call("POST", "/_local/usage/reset");
        log(`cost: ${RESPONSES_PER_KIND} × ${kind}, ${delivery}`);
        await post[delivery](kind);
        await quiet();
        runs.push({ kind, delivery, usage: await usage() });
      }
    await call("POST", "/_local/usage/reset");
    const { items } = (await call("GET", "/_local/schedules")) as { items: { name: string }[] };
    const rollup = items.find((item) => item.name.startsWith("MetricsRollup"));
    if (!rollup) throw new Error("no metrics rollup schedule in the template");
    await call("POST", `/_local/schedules/${rollup.name}/invoke`);
    const rollupRun = await usage();
    return { runs, rollupRun };
  });
}

const perMillion = (usd: number) => (usd / RESPONSES_PER_KIND) * 1e6;
const shareOf = (kind: Kind) => COST_MIX.find((mix) => mix.kind === kind)?.share ?? 0;

/** The tables bench/RESULTS.md keeps: $ per million per service and kind, and what one response uses. */
export function printCost({ runs, rollupRun }: CostResult) {
  const usdOf = (usage: Usage, service: (typeof SERVICES)[number] | "total") =>
    perMillion(service === "total" ? usage.estimatedUsd : usage.usdByService[service]);
  const mixUsd = (delivery: Delivery, service: (typeof SERVICES)[number] | "total") =>
    runs
      .filter((run) => run.delivery === delivery)
      .reduce((sum, { kind, usage }) => sum + shareOf(kind) * usdOf(usage, service), 0);
  const label = ({ kind, delivery }: { kind: Kind; delivery: Delivery }) => `${kind}, ${delivery}`;
  console.log(
    `\n$ per million responses (us-east-1 list prices), metered by GET /_local/usage; mix: ${COST_MIX.map((m) => `${m.share * 100}% ${m.kind}`).join(", ")}`,
  );
  console.table(
    [...SERVICES, "total" as const].map((service) => ({
      service,
      ...Object.fromEntries(
        runs.filter((run) => run.delivery === DELIVERIES[0]).map((run) => [run.kind, round(usdOf(run.usage, service))]),
      ),
      ...Object.fromEntries(DELIVERIES.map((delivery) => [`mix, ${delivery}`, round(mixUsd(delivery, service))])),
    })),
  );
  console.log("\nper response");
  console.table(
    runs.map((run) => ({
      kind: label(run),
      "API requests": round(run.usage.apiGateway.requests / RESPONSES_PER_KIND),
      "Lambda invocations": round(run.usage.lambda.invocations / RESPONSES_PER_KIND),
      "Lambda GB-ms": round((run.usage.lambda.gbSeconds * 1000) / RESPONSES_PER_KIND),
      "SQS requests": round(run.usage.sqs.requests / RESPONSES_PER_KIND),
      "events put": round(run.usage.events.entries / RESPONSES_PER_KIND),
      "DynamoDB WRU": round(run.usage.dynamodb.writeUnits / RESPONSES_PER_KIND),
      "DynamoDB RRU": round(run.usage.dynamodb.readUnits / RESPONSES_PER_KIND),
      "log bytes": Math.round(run.usage.logs.bytes / RESPONSES_PER_KIND),
    })),
  );
  const each = (counts: Record<string, number>, scale = 1) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name} ${round((count * scale) / RESPONSES_PER_KIND)}`)
      .join(", ");
  const byFunction = (usage: Usage, measure: "invocations" | "gbSeconds") =>
    Object.fromEntries(Object.entries(usage.lambda.byFunction).map(([name, fn]) => [name, fn[measure]]));
  console.log("\nwhere they go, per response");
  console.table(
    runs.map((run) => {
      const { usage } = run;
      const indexUnits = Object.values(usage.dynamodb.writeUnitsByIndex).reduce((sum, units) => sum + units, 0);
      return {
        kind: label(run),
        "invocations by function": each(byFunction(usage, "invocations")),
        "GB-ms by function": each(byFunction(usage, "gbSeconds"), 1000),
        "SQS requests by action": each(usage.sqs.byAction),
        "WRU table / by index": `${round((usage.dynamodb.writeUnits - indexUnits) / RESPONSES_PER_KIND)} / ${each(usage.dynamodb.writeUnitsByIndex)}`,
      };
    }),
  );
  const runsPerMonth = (30 * 24 * 60) / 5;
  console.log(
    `\none metrics rollup run over ${runs.length * RESPONSES_PER_KIND} responses of the day: $${rollupRun.estimatedUsd.toPrecision(3)} (${round(rollupRun.dynamodb.readUnits)} RRU, ${round(rollupRun.dynamodb.writeUnits)} WRU); every 5 minutes: $${round(rollupRun.estimatedUsd * runsPerMonth)} a month`,
  );
}
