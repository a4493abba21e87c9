import type { Logger } from "@aws-lambda-powertools/logger";
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { ErrorBody, ErrorCode, ErrorDetail } from "../contracts/errors";
import { type ApiKeyEntry, authorize, type Scope } from "../core/auth";

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** An error meant for the client: status, contract error code and the fields at fault. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

export const validationError = (details: ErrorDetail[]) =>
  new HttpError(422, "validation_failed", `invalid ${details.map((d) => d.path).join(", ")}`, details);

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

export const errorBody = (code: ErrorCode, message: string, details: ErrorDetail[] = []): ErrorBody => ({
  error: { code, message, details },
});

/** Lower-cased header lookup; API Gateway HTTP APIs lower-case names already, other callers may not. */
export function header(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Parses a JSON body after checking its size, so an oversized body is never parsed. */
export function jsonBody(event: HttpEvent, maxBytes: number): unknown {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes)
    throw new HttpError(413, "payload_too_large", `body is ${bytes} bytes; the limit is ${maxBytes}`, [
      { path: "body", message: `at most ${maxBytes} bytes` },
    ]);
  if (text.trim() === "")
    throw new HttpError(400, "invalid_json", "body is empty", [{ path: "body", message: "a JSON object is required" }]);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : "unparseable";
    throw new HttpError(400, "invalid_json", "body is not valid JSON", [{ path: "body", message: reason }]);
  }
}

export function requireScope(
  event: HttpEvent,
  scope: Scope,
  config: { keys: readonly ApiKeyEntry[]; allowedOrigins: readonly string[] },
): ApiKeyEntry {
  const result = authorize(
    {
      authorization: header(event, "authorization"),
      apiKey: header(event, "x-api-key"),
      origin: header(event, "origin"),
    },
    scope,
    config,
  );
  if (!result.ok)
    throw new HttpError(result.status, result.status === 401 ? "unauthorized" : "forbidden", result.message, [], {
      ...(result.status === 401 ? { "www-authenticate": "Bearer" } : {}),
    });
  return result.key;
}

/**
 * Maps an `HttpError` to its JSON body. Anything else is a fault of ours: it is
 * logged (without the request body) and answered 500 with no internals.
 */
export function httpErrors(logger: Logger): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof HttpError) {
        if (error.status >= 500) logger.error("request failed", { code: error.code, reason: error.message });
        request.response = json(error.status, error.toBody(), error.headers);
        return;
      }
      logger.error("unhandled error", error instanceof Error ? error : String(error));
      request.response = json(500, errorBody("internal", "internal error; the request can be retried"));
    },
  };
}
