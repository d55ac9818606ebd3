import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "./client";
import type { BillingState, PublicConfig } from "./types";

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** GET `path` once (and on `reload`). */
export function useApi<T>(path: string | null, auth = true): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    api<T>(path, { auth })
      .then((value) => live && (setData(value), setError(null)))
      .catch((exc: unknown) => live && setError(exc instanceof ApiError ? exc : new ApiError(0, String(exc))))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, auth, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}

export function usePublicConfig(): Loaded<PublicConfig> {
  return useApi<PublicConfig>("/config/public");
}

const BILLING_RETRY_MS = 1000;
const BILLING_RETRIES = 60;

/** The account's billing state; right after signup billing may not know the account yet (404), so retry a while. */
export function useBillingState(): Loaded<BillingState> {
  const [data, setData] = useState<BillingState | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (left: number) => {
      api<BillingState>("/billing/state")
        .then((value) => {
          if (!live) return;
          setData(value);
          setError(null);
          setLoading(false);
        })
        .catch((exc: unknown) => {
          if (!live) return;
          if (exc instanceof ApiError && exc.status === 404 && left > 0) {
            timer = setTimeout(() => attempt(left - 1), BILLING_RETRY_MS);
            return;
          }
          setError(exc instanceof ApiError ? exc : new ApiError(0, String(exc)));
          setLoading(false);
        });
    };
    attempt(BILLING_RETRIES);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}
