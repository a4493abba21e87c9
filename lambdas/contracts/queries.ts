import * as z from "zod";
import { categories } from "./record";

const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/** Query string of `GET /v1/responses`. */
export const listResponsesQuerySchema = z
  .strictObject({
    from: instant.optional().meta({ description: "inclusive; defaults to one year before `to`" }),
    to: instant.optional().meta({ description: "inclusive; defaults to now" }),
    customerId: z.string().min(1).max(128).optional(),
    category: z.enum(categories).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2048).optional().meta({ description: "`nextCursor` of the previous page" }),
  })
  .meta({ id: "ListResponsesQuery" });
