import * as z from "zod";
import { customerIdSchema } from "./ids";
import { dayOrInstantSchema } from "./instants";
import { categories } from "./record";

/** Query string of `GET /v1/responses`. */
export const listResponsesQuerySchema = z
  .strictObject({
    from: dayOrInstantSchema
      .optional()
      .meta({ description: "inclusive; defaults to one year before `to`, at most 1096 days before it" }),
    to: dayOrInstantSchema.optional().meta({ description: "inclusive; defaults to now" }),
    customerId: customerIdSchema.optional(),
    category: z.enum(categories).optional(),
    theme: z.string().min(1).max(64).optional().meta({ description: "only responses tagged with this theme" }),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional().meta({ description: "`nextCursor` of the previous page" }),
  })
  .meta({ id: "ListResponsesQuery" });
