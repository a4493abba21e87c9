import { DetailType, EVENT_SOURCE, responseRecordedDetail } from "../contracts/events";
import { type FollowUpConfig, followUpEventPattern } from "../contracts/follow-up-config";
import type { ResponseRecord } from "../contracts/record";
import { MAX_RULE_TEST_RESPONSES, type RuleTestResult } from "../contracts/rules";
import { matchingRule } from "./case-opening";
import { notFound } from "./client-error";
import { matchesEventPattern } from "./event-pattern";

const EXAMPLES = 5;

export interface RuleTestPorts {
  /** Up to `limit` responses of the window, newest first. */
  responses(window: { from: Date; to: Date }, limit: number): Promise<ResponseRecord[]>;
}

export const listRules = (config: FollowUpConfig) => ({
  items: config.rules.map((rule) => ({
    name: rule.name,
    description: rule.description ?? null,
    pattern: followUpEventPattern(rule),
  })),
});

/**
 * What a follow-up rule would have done with past responses: each is matched as the `Response Recorded`
 * event it was published as, with the same matcher the local bus uses (it follows EventBridge's rules),
 * and counted as a case only if no earlier rule took it first, as the follow-up function decides.
 */
export async function testRule(
  name: string,
  window: { from: Date; to: Date },
  config: FollowUpConfig,
  ports: RuleTestPorts,
): Promise<RuleTestResult> {
  const rule = config.rules.find((candidate) => candidate.name === name);
  if (!rule) throw notFound(`no follow-up rule '${name}'; the stage has ${config.rules.map((r) => r.name).join(", ")}`);
  const records = await ports.responses(window, MAX_RULE_TEST_RESPONSES + 1);
  const tested = records.slice(0, MAX_RULE_TEST_RESPONSES);
  const pattern = followUpEventPattern(rule);
  const asEvent = (record: ResponseRecord) => ({
    source: EVENT_SOURCE,
    "detail-type": DetailType.ResponseRecorded,
    detail: responseRecordedDetail(record),
  });
  const matched = tested.filter((record) => matchesEventPattern(pattern, asEvent(record)));
  const opening = matched.filter((record) => matchingRule(asEvent(record), config)?.name === rule.name);
  return {
    rule: rule.name,
    pattern,
    responses: tested.length,
    truncated: records.length > tested.length,
    matched: matched.length,
    wouldOpenCases: opening.length,
    takenByEarlierRules: matched.length - opening.length,
    examples: opening.slice(0, EXAMPLES).map((record) => ({
      id: record.id,
      type: record.type,
      score: record.score,
      comment: record.comment,
      submittedAt: record.submittedAt,
    })),
  };
}
