import type { ComponentChildren } from "preact";
import { ApiError } from "../api";
import type { Loaded } from "../use-api";

const API_ERROR_TITLES: Record<number, string> = { 403: "Your role can't do this.", 404: "Not found." };

/** Words for an error, with what the API said and every field it named. */
function describe(error: unknown): { title: string; message: string; details: ApiError["details"] } {
  if (error instanceof ApiError) {
    const title = API_ERROR_TITLES[error.status] ?? "The request failed.";
    return { title, message: error.message, details: error.details };
  }
  // fetch rejects with a TypeError only when no answer came back at all.
  const title = error instanceof TypeError ? "The API could not be reached." : "Something went wrong.";
  return { title, message: error instanceof Error ? error.message : String(error), details: [] };
}

export function ErrorNotice({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const described = describe(error);
  const { message, details } = described;
  return (
    <div class="notice notice-error" role="alert">
      <p>
        <strong>{title ?? described.title}</strong> {message}
      </p>
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={`${detail.path}:${detail.message}`}>
              <code>{detail.path}</code> {detail.message}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export const LoadingState = ({ what }: { what: string }) => (
  <p class="state" aria-busy="true">
    Loading {what}…
  </p>
);

export const EmptyState = ({ children }: { children: ComponentChildren }) => <p class="state">{children}</p>;

interface ResourceProps<T> {
  result: Loaded<T>;
  /** Finishes "Loading …". */
  what: string;
  onRetry?: () => void;
  isEmpty?: (data: T) => boolean;
  empty?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}

/** The loading, error and empty states every view shares; `children` renders the data. */
export function Resource<T>({ result, what, onRetry, isEmpty, empty, children }: ResourceProps<T>) {
  if (result.status === "loading") return <LoadingState what={what} />;
  if (result.status === "error") return <ErrorNotice error={result.error} onRetry={onRetry} />;
  if (isEmpty?.(result.data)) return <EmptyState>{empty ?? `No ${what}.`}</EmptyState>;
  return <>{children(result.data)}</>;
}
