import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { apiPath, apiRequest } from "./api";
import type { Page } from "./api-types";

export type Loaded<T> = { status: "loading" } | { status: "error"; error: unknown } | { status: "ready"; data: T };

interface ApiResource<T> {
  result: Loaded<T>;
  reload: () => void;
  /** Replaces the data with a newer copy the API returned (after a PATCH), without reloading. */
  replace: (data: T) => void;
}

/** GETs `path` whenever it changes; an answer to an older path is ignored, so fast filter changes cannot show stale data. */
export function useApi<T>(path: string): ApiResource<T> {
  const [result, setResult] = useState<Loaded<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setResult({ status: "loading" });
    apiRequest<T>(path).then(
      (data) => current && setResult({ status: "ready", data }),
      (error: unknown) => current && setResult({ status: "error", error }),
    );
    return () => {
      current = false;
    };
    // `generation` is in the dependencies so that `reload` fetches the same path again.
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  const replace = useCallback((data: T) => setResult({ status: "ready", data }), []);
  return { result, reload, replace };
}

export interface PagedList<T> {
  /** The first page; the items of later pages are appended to its `items`. */
  result: Loaded<Page<T>>;
  reload: () => void;
  loadMore: () => void;
  loadingMore: boolean;
  loadMoreError: unknown;
}

interface LaterPages<T> {
  /** The first page these follow: a reload or another query loads a new one, which leaves these behind. */
  first: Page<T>;
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  error: unknown;
}

/** A cursor-paginated list: the first page as `useApi` loads it, then "Load more" appends the next. */
export function usePagedList<T>(path: string, query: Record<string, string | undefined>): PagedList<T> {
  const { result: firstResult, reload } = useApi<Page<T>>(apiPath(path, query));
  const [later, setLater] = useState<LaterPages<T> | null>(null);
  const first = firstResult.status === "ready" ? firstResult.data : null;
  const current = later !== null && later.first === first ? later : null;

  const result: Loaded<Page<T>> =
    first !== null && current !== null
      ? { status: "ready", data: { items: [...first.items, ...current.items], nextCursor: current.nextCursor } }
      : firstResult;
  const cursor = result.status === "ready" ? result.data.nextCursor : null;

  const loadMore = () => {
    if (first === null || cursor === null || current?.loading) return;
    const loaded = { first, items: current?.items ?? [], nextCursor: cursor };
    setLater({ ...loaded, loading: true, error: null });
    apiRequest<Page<T>>(apiPath(path, { ...query, cursor })).then(
      (page) =>
        setLater({
          ...loaded,
          items: [...loaded.items, ...page.items],
          nextCursor: page.nextCursor,
          loading: false,
          error: null,
        }),
      (error: unknown) => setLater({ ...loaded, loading: false, error }),
    );
  };
  return { result, reload, loadMore, loadingMore: current?.loading ?? false, loadMoreError: current?.error ?? null };
}

type Mutation<A extends unknown[], T> = {
  run: (...args: A) => Promise<T | undefined>;
  pending: boolean;
  error: unknown;
  result: T | undefined;
  reset: () => void;
};

/**
 * A write (PATCH, DELETE, POST): tracks it in flight, keeps its answer or error, and refuses a
 * second run while one is pending, so a double click sends one request.
 */
export function useMutation<A extends unknown[], T>(action: (...args: A) => Promise<T>): Mutation<A, T> {
  const [state, setState] = useState<{ pending: boolean; error: unknown; result: T | undefined }>({
    pending: false,
    error: null,
    result: undefined,
  });
  const pending = useRef(false);
  const run = async (...args: A) => {
    if (pending.current) return undefined;
    pending.current = true;
    setState({ pending: true, error: null, result: undefined });
    try {
      const result = await action(...args);
      setState({ pending: false, error: null, result });
      return result;
    } catch (error) {
      setState({ pending: false, error, result: undefined });
      return undefined;
    } finally {
      pending.current = false;
    }
  };
  const reset = useCallback(() => setState({ pending: false, error: null, result: undefined }), []);
  return { ...state, run, reset };
}

/** The current time, refreshed every `intervalMs`, for countdowns. */
export function useNow(intervalMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
