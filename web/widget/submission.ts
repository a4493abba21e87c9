import type { Scale, Submission } from "../../lambdas/contracts/submission";
import type { QuestionType } from "../../lambdas/contracts/survey-messages";

export type { QuestionType };

/** The respondent as the page names them; `signature` is the site's HMAC of the id (identity verification). */
type Customer = Pick<NonNullable<Submission["customer"]>, "id" | "signature">;
/**
 * What the widget posts, typed from the intake contract (a type-only import: no zod in the bundle), so a
 * contract change that breaks the widget fails `tsc`.
 */
export interface WidgetSubmission
  extends Pick<Submission, "score" | "scale" | "comment" | "survey" | "touchpoint" | "locale"> {
  /** Always the widget's own: the idempotency key that makes every resend harmless. */
  id: NonNullable<Submission["id"]>;
  type: QuestionType;
  channel: "web";
  customer?: Customer;
}

/** The question as the script tag's `data-*` attributes ask for it. */
export interface Survey {
  key: string;
  survey: string;
  type: QuestionType;
  /** The scale shown; `explicit` when `data-scale` set it, and only then is it sent. */
  scale: Scale & { explicit: boolean };
  touchpoint?: string;
  customer?: Customer;
}

const QUESTION_TYPES: readonly string[] = ["nps", "csat", "ces"] satisfies QuestionType[];
const DEFAULT_SCALES: Record<QuestionType, Scale> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

/** Reads the script tag; a wrong or missing attribute is an error naming it, since the site owner must fix it. */
export function surveyOf(data: DOMStringMap): Survey {
  const { key, survey, type } = data;
  if (!key) throw new Error("data-key (a submit key) is required");
  if (!survey) throw new Error("data-survey is required");
  if (!type || !QUESTION_TYPES.includes(type)) throw new Error("data-type must be nps, csat or ces");
  const questionType = type as QuestionType;
  let scale = { ...DEFAULT_SCALES[questionType], explicit: false };
  if (data.scale && questionType !== "nps") {
    const [, min, max] = /^([01])-(\d+)$/.exec(data.scale) ?? [];
    if (!min || !max || Number(max) < 3 || Number(max) > 10)
      throw new Error("data-scale must be 0-N or 1-N, N from 3 to 10 (e.g. 1-5)");
    scale = { min: Number(min), max: Number(max), explicit: true };
  }
  return {
    key,
    survey,
    type: questionType,
    scale,
    touchpoint: data.touchpoint || undefined,
    customer: data.customerId
      ? { id: data.customerId, ...(data.customerSignature ? { signature: data.customerSignature } : {}) }
      : undefined,
  };
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `w-` and 24 random URL-safe characters (144 bits), from the browser's cryptographic generator. */
export const newResponseId = () =>
  `w-${Array.from(crypto.getRandomValues(new Uint8Array(24)), (byte) => ID_ALPHABET[byte & 63]).join("")}`;

/** The body for one answer: scale only when the page chose it, comment only when there is one. */
export function submissionOf(
  survey: Survey,
  answer: { score: number; comment: string },
  locale: string,
): WidgetSubmission {
  const comment = answer.comment.trim();
  return {
    id: newResponseId(),
    type: survey.type,
    score: answer.score,
    ...(survey.scale.explicit ? { scale: { min: survey.scale.min, max: survey.scale.max } } : {}),
    ...(comment ? { comment } : {}),
    survey: survey.survey,
    channel: "web",
    ...(survey.touchpoint ? { touchpoint: survey.touchpoint } : {}),
    ...(survey.customer ? { customer: survey.customer } : {}),
    locale,
  };
}
