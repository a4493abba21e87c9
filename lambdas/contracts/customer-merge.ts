import * as z from "zod";
import { customerProfileSchema } from "./customers";
import { customerIdSchema } from "./ids";
import type { RouteSpec } from "./routes";

/** Why two profiles are likely one customer. */
export const duplicateReasons = ["email", "name+phone"] as const;
export type DuplicateReason = (typeof duplicateReasons)[number];

/** `POST /v1/customers/{id}/merge`: the profile to fold into `{id}`. */
export const customerMergeRequestSchema = z
  .strictObject({
    from: customerIdSchema.meta({
      description: "the profile merged into `{id}`: its responses, cases and events move, and it is left as a pointer",
    }),
  })
  .meta({ id: "CustomerMergeRequest" });

const movedSchema = z.object({
  responses: z.int().meta({ description: "responses moved onto the surviving profile" }),
  cases: z.int().meta({ description: "cases moved onto it" }),
  events: z.int().meta({ description: "operational events moved onto it" }),
});

/** What a merge did: the same answer however often it is sent again (nothing moves twice). */
export const customerMergeSchema = z
  .object({
    id: customerIdSchema.meta({ description: "the surviving profile" }),
    from: customerIdSchema.meta({ description: "the profile merged into it, now a pointer (`mergedInto`)" }),
    by: z.string(),
    startedAt: z.string(),
    completedAt: z.string(),
    moved: movedSchema.meta({ description: "totals over every call of this merge" }),
    profile: customerProfileSchema.meta({ description: "the surviving profile, rollups recomputed" }),
  })
  .meta({ id: "CustomerMerge" });
export type CustomerMerge = z.infer<typeof customerMergeSchema>;

export const MAX_DUPLICATES_PAGE = 50;

/** Query string of `GET /v1/customers/duplicates`. */
export const customerDuplicatesQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(MAX_DUPLICATES_PAGE).default(20),
    cursor: z.string().max(2048).optional().meta({ description: "`nextCursor` of the previous page" }),
  })
  .meta({ id: "CustomerDuplicatesQuery" });

/** `GET /v1/customers/duplicates`: groups of profiles that are likely one customer. */
export const customerDuplicatesSchema = z
  .object({
    items: z.array(
      z.object({
        reason: z.enum(duplicateReasons).meta({
          description: "`email`: the same address, whatever its case; `name+phone`: the same name and phone number",
        }),
        customers: z.array(customerProfileSchema).meta({ description: "two or more, oldest first" }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "CustomerDuplicates" });
export type CustomerDuplicateGroup = z.infer<typeof customerDuplicatesSchema>["items"][number];

const customerById = z.object({ id: customerIdSchema });

/** One profile per customer: finding duplicates and merging them, spread into the route registry (`ROUTES`). */
export const MERGE_ROUTES = {
  listCustomerDuplicates: {
    key: "GET /v1/customers/duplicates",
    handler: "customers-api",
    tag: "customers",
    summary: "Profiles that are likely one customer",
    description:
      "Groups of profiles with the same email address (whatever its case), or the same name and phone number, kept as an index when profiles are put: no scan of the table. Merge each group with `POST /v1/customers/{id}/merge`. (This literal path wins over `GET /v1/customers/{id}`: a customer whose id is `duplicates` is read through search or export.)",
    scope: "read",
    query: customerDuplicatesQuerySchema,
    responses: { 200: { description: "a page of groups", schema: customerDuplicatesSchema } },
    errors: { 422: "bad limit or cursor" },
  },
  mergeCustomer: {
    key: "POST /v1/customers/{id}/merge",
    handler: "customers-api",
    tag: "customers",
    summary: "Merge another profile into this one",
    description:
      "Moves the responses, cases and operational events of `from` onto `{id}`, recomputes `{id}`'s rollups and churn risk, records the merge in both profiles' `history`, and leaves `from` as a pointer (`mergedInto`) without its own fields. The metrics' counts do not change (the days moved are recomputed). Sending it again answers the same and moves nothing twice; a call that runs out of time is a 503 with `Retry-After`: send it again to continue.",
    scope: "admin",
    path: customerById,
    body: { schema: customerMergeRequestSchema, maxBytes: 1024 },
    responses: { 200: { description: "merged", schema: customerMergeSchema } },
    errors: {
      400: "body is not JSON",
      404: "no profile `{id}`, or none `from`",
      409: "`{id}` was itself merged into another profile, `from` was merged into a third one, or either is being erased",
      413: "body over 1 KB",
      422: "bad id, or `from` is `{id}`",
      503: "not finished in this call; send it again to continue",
    },
  },
} as const satisfies Record<string, RouteSpec>;
