import type { CaseListQuery } from "../adapters/case-store";
import { getCase, listCases, updateCase } from "../core/case-work";
import { caseStats } from "../core/cases";
import { apiAuth, caseStore, eventPublisher, isCaseConflict, now } from "./composition-root";
import { decodeCursor, encodeCursor } from "./cursor";
import { httpHandler } from "./http";

type CaseCursor = NonNullable<CaseListQuery["cursor"]>;
const ports = { cases: caseStore(), events: eventPublisher(), now, isConflict: isCaseConflict };

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
    getCaseStats: async () => ({ status: 200, body: caseStats(await ports.cases.all(), now()) }),
    getCase: async ({ path }) => ({ status: 200, body: await getCase(path.id, ports) }),
    // History records the authenticated caller, never a name the client supplies.
    updateCase: async ({ path, body, caller }) => ({
      status: 200,
      body: await updateCase(path.id, body, caller.name, ports),
    }),
  },
  { auth: apiAuth() },
);
