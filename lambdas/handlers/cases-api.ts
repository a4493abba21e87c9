import type { CaseListQuery } from "../adapters/case-store";
import { currentCaseStats } from "../core/case-stats";
import { getCase, listCases, updateCase } from "../core/case-work";
import { validationFailed } from "../core/client-error";
import { listWindow } from "../core/response-list";
import { listRules, testRule } from "../core/rule-test";
import {
  apiAuth,
  caseStore,
  eventPublisher,
  followUpConfig,
  isCaseConflict,
  now,
  responseStore,
} from "./composition-root";
import { decodeCursor, encodeCursor } from "./cursor";
import { httpHandler } from "./http";

type CaseCursor = NonNullable<CaseListQuery["cursor"]>;
const ports = { cases: caseStore(), events: eventPublisher(), now, isConflict: isCaseConflict };
const pastResponses = async (window: { from: Date; to: Date }, limit: number) =>
  (await responseStore().list({ ...window, limit })).items;
/** Days a rule test looks back when the request names no window. */
const RULE_TEST_DAYS = 30;
/** How long one stats request may spend counting cases from before the counters existed (then it answers). */
const BACKFILL_BUDGET_MS = 10_000;

/** `If-Match: 3`, `"3"` or `W/"3"`: the version the editor read. */
function readVersion(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const version = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch)?.[1];
  if (!version) throw validationFailed([{ path: "header.If-Match", message: 'must be the case\'s version, e.g. "3"' }]);
  return Number(version);
}

export const handler = httpHandler<"cases-api">(
  {
    listCases: async ({ query }) => {
      const { overdue, cursor, ...filters } = query;
      const overdueAt = overdue === "true" ? now() : undefined;
      const fits = (value: unknown): value is CaseCursor => ports.cases.cursorFits({ ...filters, overdueAt }, value);
      const page = await listCases(
        {
          ...filters,
          overdue: overdue === undefined ? undefined : overdue === "true",
          cursor: cursor ? decodeCursor(cursor, fits) : undefined,
        },
        ports,
      );
      return {
        status: 200,
        body: { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null },
      };
    },
    getCaseStats: async () => {
      const deadline = Date.now() + BACKFILL_BUDGET_MS;
      return { status: 200, body: await currentCaseStats(ports, () => Date.now() < deadline) };
    },
    getCase: async ({ path }) => ({ status: 200, body: await getCase(path.id, ports) }),
    // History records the authenticated caller, never a name the client supplies.
    updateCase: async ({ path, body, caller, header }) => ({
      status: 200,
      body: await updateCase(
        path.id,
        body,
        { actor: caller.name, readVersion: readVersion(header("if-match")) },
        ports,
      ),
    }),
    listRules: async () => ({ status: 200, body: listRules(followUpConfig()) }),
    testRule: async ({ path, body }) => ({
      status: 200,
      body: await testRule(
        path.name,
        listWindow(body, now(), { defaultDays: RULE_TEST_DAYS, at: "" }),
        followUpConfig(),
        { responses: pastResponses },
      ),
    }),
  },
  { auth: apiAuth() },
);
