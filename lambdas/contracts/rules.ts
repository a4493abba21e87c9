import * as z from "zod";
import { responseIdSchema } from "./ids";
import { dayOrInstantSchema } from "./instants";

/** `GET /v1/rules`: the follow-up rules, each with the EventBridge pattern it is deployed as. */
export const ruleListSchema = z
  .object({
    items: z.array(
      z.object({
        name: z.string(),
        description: z.string().nullable(),
        pattern: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .meta({ id: "RuleList" });

export const ruleByName = z.object({ name: z.string().regex(/^[a-z0-9-]{1,64}$/, "a rule name") });

/** Past responses a rule test reads at most; a wider window answers with `truncated`. */
export const MAX_RULE_TEST_RESPONSES = 10_000;

export const ruleTestRequestSchema = z
  .strictObject({
    from: dayOrInstantSchema.optional().meta({ description: "inclusive; defaults to 30 days before `to`" }),
    to: dayOrInstantSchema.optional().meta({ description: "inclusive; defaults to now" }),
  })
  .meta({ id: "RuleTestRequest" });

/** What the rule would have done with the responses of the window, as `rules test` prints it. */
export const ruleTestResultSchema = z
  .object({
    rule: z.string(),
    pattern: z.record(z.string(), z.unknown()),
    responses: z.int(),
    truncated: z
      .boolean()
      .meta({ description: `more than ${MAX_RULE_TEST_RESPONSES} responses; the newest were tested` }),
    matched: z.int(),
    wouldOpenCases: z.int(),
    takenByEarlierRules: z.int(),
    examples: z.array(
      z.object({
        id: responseIdSchema,
        type: z.string(),
        score: z.number().nullable(),
        comment: z.string().nullable(),
        submittedAt: z.string(),
      }),
    ),
  })
  .meta({ id: "RuleTestResult" });
export type RuleTestResult = z.infer<typeof ruleTestResultSchema>;
