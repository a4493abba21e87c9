import * as z from "zod";
import { caseStatuses, priorities } from "./case-states";
import { churnRiskSchema } from "./churn";
import { responseRecordSchema } from "./record";

export { CASE_TRANSITIONS, type CaseStatus, caseStatuses, isClosed, type Priority, priorities } from "./case-states";

export const historyEntrySchema = z.object({
  at: z.iso.datetime({ offset: true }),
  by: z.string(),
  change: z.string(),
});

export const caseSchema = z
  .object({
    id: z.string(),
    responseId: z.string(),
    customerId: z.string().nullable(),
    status: z.enum(caseStatuses),
    owner: z.string(),
    priority: z.enum(priorities),
    dueAt: z.iso.datetime({ offset: true }),
    escalationLevel: z.int().min(0),
    rule: z.string(),
    rootCause: z.string().nullable(),
    notes: z.array(z.object({ at: z.string(), by: z.string(), text: z.string() })),
    history: z.array(historyEntrySchema),
    /** The response that opened the case; null for a retention case opened by churn risk. */
    response: responseRecordSchema.nullable(),
    /** The churn risk that opened a retention case. */
    churnRisk: churnRiskSchema.nullable().default(null),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    firstContactAt: z.iso.datetime({ offset: true }).nullable(),
    closedAt: z.iso.datetime({ offset: true }).nullable(),
    version: z.int().min(1),
  })
  .meta({ id: "Case" });
export type Case = z.infer<typeof caseSchema>;

export const casePatchSchema = z
  .strictObject({
    status: z.enum(caseStatuses).optional(),
    owner: z.string().trim().min(1).max(200).optional(),
    note: z.string().trim().min(1).max(5000).optional(),
    rootCause: z.string().trim().min(1).max(200).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: "send at least one of status, owner, note, rootCause" })
  .meta({ id: "CasePatch" });
export type CasePatch = z.infer<typeof casePatchSchema>;

export const listCasesQuerySchema = z
  .strictObject({
    status: z.enum(caseStatuses).optional(),
    owner: z.string().min(1).max(200).optional(),
    priority: z.enum(priorities).optional(),
    overdue: z.enum(["true", "false"]).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional(),
  })
  .meta({ id: "ListCasesQuery" });

export const caseStatsSchema = z
  .object({
    cases: z.int(),
    open: z.int(),
    overdue: z.int(),
    closedWithinSla: z.object({ closed: z.int(), withinSla: z.int(), percent: z.number().nullable() }),
    timeToFirstContactHours: z.object({
      contacted: z.int(),
      median: z.number().nullable(),
      mean: z.number().nullable(),
    }),
    byOwner: z.array(z.object({ owner: z.string(), open: z.int(), overdue: z.int() })),
  })
  .meta({ id: "CaseStats" });
export type CaseStats = z.infer<typeof caseStatsSchema>;

export const caseListSchema = z
  .object({ items: z.array(caseSchema), nextCursor: z.string().nullable() })
  .meta({ id: "CaseList" });
