import { useSearchParams } from "wouter-preact";

/**
 * Page state kept in the address bar (window, filters, search), so a view can be bookmarked,
 * shared and reloaded as it is. `update` sets or (with undefined or "") removes parameters.
 */
export function useQueryParams() {
  const [params, setParams] = useSearchParams();
  const read = (name: string) => params.get(name) ?? undefined;
  const update = (changes: Record<string, string | undefined>) =>
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        for (const [name, value] of Object.entries(changes)) {
          if (value === undefined || value === "") next.delete(name);
          else next.set(name, value);
        }
        return next;
      },
      // Replacing keeps Back for leaving the page rather than undoing each filter.
      { replace: true },
    );
  return { read, update };
}
