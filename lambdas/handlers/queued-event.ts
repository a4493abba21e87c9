import type { SQSRecord } from "aws-lambda";
import type * as z from "zod";

/** A queued message that can never be processed; it is reported as a batch failure and ends in the DLQ. */
export class PoisonMessageError extends Error {}

/** Parses an SQS message body against a contract, naming the fields (never the values) when it does not fit. */
export function parseQueuedEvent<S extends z.ZodType>(message: SQSRecord, schema: S): z.infer<S> {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    throw new PoisonMessageError(`message ${message.messageId} is not JSON`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "body").join(", ");
    throw new PoisonMessageError(`message ${message.messageId} does not match its contract: ${fields}`);
  }
  return parsed.data;
}
