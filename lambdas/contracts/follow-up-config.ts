import * as z from "zod";
import { DetailType, EVENT_SOURCE } from "./events";

export const contactSchema = z.strictObject({
  name: z.string().min(1),
  email: z.email().optional(),
  /** Name of the Slack webhook (key of the stage's `slackWebhooks`) the alert goes to. */
  slack: z.string().min(1).optional(),
});
export type Contact = z.infer<typeof contactSchema>;

export const followUpRuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]{1,64}$/, "lowercase letters, digits and dashes"),
  description: z.string().max(200).optional(),
  /** EventBridge content filter on the `Response Recorded` detail (the `detail` part of a pattern). */
  detail: z.record(z.string(), z.unknown()),
});
export type FollowUpRule = z.infer<typeof followUpRuleSchema>;

export const routingRuleSchema = z.strictObject({
  when: z
    .strictObject({
      survey: z.array(z.string()).optional(),
      touchpoint: z.array(z.string()).optional(),
      channel: z.array(z.string()).optional(),
      segment: z.array(z.string()).optional(),
      rule: z.array(z.string()).optional(),
      minAnnualValue: z.number().nonnegative().optional(),
    })
    .default({}),
  owner: z.string().min(1),
});
export type RoutingRule = z.infer<typeof routingRuleSchema>;

export const DEFAULT_FOLLOW_UP_RULES: FollowUpRule[] = [
  { name: "nps-detractor", description: "NPS 0-6", detail: { type: ["nps"], category: ["detractor"] } },
  { name: "csat-low", description: "CSAT 2 or lower", detail: { type: ["csat"], score: [{ numeric: ["<=", 2] }] } },
  { name: "ces-hard", description: "CES answered hard", detail: { type: ["ces"], category: ["hard"] } },
];

export const followUpConfigSchema = z.strictObject({
  rules: z.array(followUpRuleSchema).min(1).default(DEFAULT_FOLLOW_UP_RULES),
  /** First match wins; `defaultOwner` when none does. */
  routing: z.array(routingRuleSchema).default([]),
  defaultOwner: z.string().min(1).default("cx-team"),
  /** Owners and how to reach them (case alerts go to the owner). */
  owners: z.record(z.string(), contactSchema).default({}),
  highValueAnnualValue: z.number().nonnegative().default(50_000),
  lowValueAnnualValue: z.number().nonnegative().default(1_000),
  slaHours: z
    .strictObject({ default: z.number().positive(), highValue: z.number().positive() })
    .default({ default: 48, highValue: 24 }),
  /** Optional business-hours calendar (UTC): SLA clocks only run inside it. */
  businessHours: z
    .strictObject({
      days: z.array(z.int().min(0).max(6)).min(1),
      startHour: z.int().min(0).max(23),
      endHour: z.int().min(1).max(24),
    })
    .refine((hours) => hours.endHour > hours.startHour, { message: "endHour must be after startHour" })
    .optional(),
  /** Who hears about an overdue case at each level: team lead, then head of CX. */
  escalation: z.array(contactSchema).default([]),
  /** Hours between one escalation level and the next once a case is overdue. */
  escalationIntervalHours: z.number().positive().default(24),
  /** Base URL of the case view used in alerts. */
  caseUrl: z.url().optional(),
});
export type FollowUpConfig = z.infer<typeof followUpConfigSchema>;

/** The full EventBridge pattern of a follow-up rule. */
export const followUpEventPattern = (rule: FollowUpRule) => ({
  source: [EVENT_SOURCE],
  "detail-type": [DetailType.ResponseRecorded],
  detail: rule.detail,
});
