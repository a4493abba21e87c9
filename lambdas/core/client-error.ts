import type { ErrorCode, ErrorDetail } from "../contracts/errors";

/**
 * A request the use case refuses: the contract's error code (which fixes the status), a message
 * for the person reading it, and the fields at fault. Anything else a use case throws is a fault of ours.
 */
export class ClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const validationFailed = (details: ErrorDetail[]) =>
  new ClientError("validation_failed", `invalid ${details.map((detail) => detail.path).join(", ")}`, details);

export const notFound = (message: string) => new ClientError("not_found", message);

/** The error body of a refused batch item: what a single request would have been answered. */
export const itemError = (error: ClientError) => ({ code: error.code, message: error.message, details: error.details });
