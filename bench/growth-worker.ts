import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { dynamoDocumentClient } from "../lambdas/adapters/clients/dynamodb";
import { ResponseStore } from "../lambdas/adapters/response-store";
import type { Case } from "../lambdas/contracts/cases";
import type { ResponseRecord } from "../lambdas/contracts/record";
import { openCase } from "../lambdas/core/cases";
import { assessRisk, caseStore } from "../lambdas/handlers/composition-root";
import { apiGatewayEvent, benchContext } from "./lambda-invocation";

/**
 * The growth benchmark's worker (started by bench/growth.ts, one per size, each with its own TABLE_NAME): loads
 * one size's history, then answers the parent's requests one line at a time, each a handler invoked as Lambda
 * invokes it (API Gateway v2 events, a scheduled event) or, for churn risk, the assessment enrichment runs per
 * customer, and prints how long it took. Written against what both the code before the case counters (552cb0a)
 * and after offer, so one file measures both.
 */
interface Size {
  cases: number;
  active: number;
  erasureResponses: number;
  erasures: number;
  riskResponses: number;
  listResponses: number;
}
const size = JSON.parse(process.argv[2] as string) as Size;
const key = process.argv[3] as string;
const tableName = process.env.TABLE_NAME as string;
const HOUR_MS = 3_600_000;
/** Everything sits in the days before the run, so every list and window covers it. */
const START = Date.now() - 20 * 24 * HOUR_MS;
const CATEGORY_MATCH_EVERY = 100;

const httpEvent = (routeKey: string, options?: Parameters<typeof apiGatewayEvent>[2]) =>
  apiGatewayEvent(routeKey, key, options);
const context = (name: string) => benchContext(name, 60_000);

type Http = (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode: number; body: string }>;
const load = async <T>(name: string) => (await import(`../lambdas/handlers/${name}.ts`)).handler as T;

function response(id: string, at: number, fields: Partial<ResponseRecord> = {}): ResponseRecord {
  const iso = new Date(at).toISOString();
  return {
    id,
    type: "nps",
    score: 9,
    scale: { min: 0, max: 10 },
    category: "promoter",
    comment: "Fast delivery, friendly people",
    sentiment: null,
    themes: ["delivery"],
    survey: "post-purchase",
    channel: "web",
    touchpoint: "checkout",
    stage: null,
    customer: null,
    submittedAt: iso,
    receivedAt: iso,
    enrichedAt: iso,
    attributes: {},
    locale: "en",
    ...fields,
  };
}
const snapshot = (id: string) => ({
  id,
  name: "Bench Customer",
  segment: "smb",
  plan: null,
  annualValue: 1200,
  currency: "EUR",
  renewalDate: null,
});

async function inBatches<T>(items: T[], each: (item: T) => Promise<unknown>, width = 16) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(each));
}

async function main() {
  const casesApi = await load<Http>("cases-api");
  const customersApi = await load<Http>("customers-api");
  const responsesApi = await load<Http>("responses-api");
  const sweeper = await load<(event: unknown, context: Context) => Promise<unknown>>("sla-sweeper");
  const responses = new ResponseStore(dynamoDocumentClient(), tableName);
  const cases = caseStore();
  const call = async (handler: Http, event: APIGatewayProxyEventV2, ok = [200, 201]) => {
    const answer = await handler(event, context("bench"));
    if (!ok.includes(answer.statusCode))
      throw new Error(`${event.routeKey} answered ${answer.statusCode}: ${answer.body}`);
    return answer;
  };
  const started = performance.now();

  // Cases: opened in the past (the active ones due before now, so the sweeper has them to check), the rest worked
  // and closed through PATCH as agents do; the active count is the same at both sizes, only the history grows.
  const ids = Array.from({ length: size.cases }, (_, i) => i);
  await inBatches(ids, async (i) => {
    const opened = new Date(START + i * 60_000);
    const value: Case = openCase(
      response(`case-r${i}`, opened.getTime(), { score: 2, category: "detractor" }),
      "nps-detractor",
      JSON.parse(process.env.FOLLOW_UP_CONFIG as string),
      opened,
    );
    await cases.createIfAbsent(value);
    if (i < size.active) return;
    const id = value.id;
    await call(casesApi, httpEvent("PATCH /v1/cases/{id}", { path: { id }, body: { status: "contacted" } }));
    await call(casesApi, httpEvent("PATCH /v1/cases/{id}", { path: { id }, body: { status: "resolved" } }));
  });

  // Customers: one per erasure run, and one whose churn risk is recomputed.
  const putCustomer = (id: string) =>
    call(
      customersApi,
      httpEvent("PUT /v1/customers/{id}", {
        path: { id },
        body: { name: "Bench Customer", segment: "smb", annualValue: 1200 },
      }),
    );
  const responsesOf = async (customerId: string, count: number) => {
    await putCustomer(customerId);
    await inBatches(
      Array.from({ length: count }, (_, i) => i),
      (i) =>
        responses.putIfAbsent(response(`${customerId}-r${i}`, START + i * 60_000, { customer: snapshot(customerId) })),
    );
  };
  for (let run = 0; run < size.erasures; run++) await responsesOf(`erase-${run}`, size.erasureResponses);
  await responsesOf("risk-1", size.riskResponses);

  // The list: 1% of the window's responses in the category asked for.
  await inBatches(
    Array.from({ length: size.listResponses }, (_, i) => i),
    (i) =>
      responses.putIfAbsent(
        response(
          `list-r${i}`,
          START + i * 30_000,
          i % CATEGORY_MATCH_EVERY === 0 ? { score: 7, category: "passive" } : {},
        ),
      ),
  );
  const loadMs = performance.now() - started;

  let erased = 0;
  const requests: Record<string, () => Promise<Record<string, number>>> = {
    stats: async () => {
      const body = JSON.parse((await call(casesApi, httpEvent("GET /v1/cases/stats"))).body);
      if (body.cases !== size.cases || body.open !== size.active)
        throw new Error(`stats say ${body.cases} cases, ${body.open} open`);
      return {};
    },
    sweep: async () => {
      const result = (await sweeper(
        {
          id: randomUUID(),
          "detail-type": "Scheduled Event",
          source: "aws.events",
          time: new Date().toISOString(),
          detail: {},
        },
        context("sla-sweeper"),
      )) as unknown;
      return { checked: (result as { checked?: number } | undefined)?.checked ?? -1 };
    },
    erase: async () => {
      const id = `erase-${erased++}`;
      let calls = 0;
      let slowestMs = 0;
      for (;;) {
        calls += 1;
        const begun = performance.now();
        const answer = await call(customersApi, httpEvent("DELETE /v1/customers/{id}", { path: { id } }), [200, 503]);
        slowestMs = Math.max(slowestMs, performance.now() - begun);
        if (answer.statusCode === 200) return { calls, slowestMs, responses: JSON.parse(answer.body).erased.responses };
      }
    },
    // What enrichment runs once per customer of a batch (and the customers API after an event).
    risk: async () => {
      await assessRisk("risk-1", `response risk-1-r${size.riskResponses - 1}`);
      return {};
    },
    list: async () => {
      const body = JSON.parse(
        (
          await call(
            responsesApi,
            httpEvent("GET /v1/responses", {
              query: { category: "passive", from: new Date(START - HOUR_MS).toISOString().slice(0, 10) },
            }),
          )
        ).body,
      );
      return { items: body.items.length };
    },
  };

  process.stdout.write(`${JSON.stringify({ ready: true, loadMs })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const request = requests[line.trim()];
    if (!request) throw new Error(`unknown request ${line}`);
    const begun = performance.now();
    const extra = await request();
    process.stdout.write(`${JSON.stringify({ ms: performance.now() - begun, ...extra })}\n`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`growth bench worker failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
