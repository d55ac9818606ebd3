/**
 * The one way the app calls the API (always the gateway's /api/v1).
 *
 * Tokens: the access token lives in memory only. The refresh token is kept in sessionStorage: it survives a
 * reload of this tab (so the session does too) but is gone when the tab closes, is not shared with other tabs
 * and never lands in localStorage's long-lived store. A 401 triggers one refresh (shared by concurrent
 * callers, because refresh tokens are single-use) and one retry.
 */

const REFRESH_KEY = "platform.refresh_token";

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;

  constructor(status: number, detail: unknown) {
    super(describeDetail(detail, status));
    this.status = status;
    this.detail = detail;
  }

  /** The machine code of an object `detail` (`{"error": ...}`), else null. */
  get code(): string | null {
    if (this.detail && typeof this.detail === "object" && "error" in this.detail) {
      return String((this.detail as { error: unknown }).error);
    }
    return null;
  }
}

function describeDetail(detail: unknown, status: number): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => (item && typeof item === "object" && "msg" in item ? String(item.msg) : "")).join("; ");
  }
  if (detail && typeof detail === "object") {
    const obj = detail as Record<string, unknown>;
    if (typeof obj.message === "string") return obj.message;
    if (typeof obj.error === "string") return obj.error.replace(/_/g, " ");
  }
  return `Request failed (${status})`;
}

let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const sessionListeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function storedRefreshToken(): string | null {
  return storage()?.getItem(REFRESH_KEY) ?? null;
}

export function setTokens(pair: TokenPair): void {
  accessToken = pair.access_token;
  storage()?.setItem(REFRESH_KEY, pair.refresh_token);
}

export function clearTokens(): void {
  accessToken = null;
  storage()?.removeItem(REFRESH_KEY);
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** Called when a refresh fails: the session is over. */
export function onSessionEnded(listener: () => void): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** Trade the stored refresh token for a new pair; concurrent callers share one attempt. */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = (async () => {
      const token = storedRefreshToken();
      if (!token) return false;
      try {
        const response = await fetch("/api/v1/auth/refresh", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: token }),
        });
        if (!response.ok) {
          clearTokens();
          sessionListeners.forEach((listener) => listener());
          return false;
        }
        setTokens((await response.json()) as TokenPair);
        return true;
      } catch {
        return false;
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Send the access token (default true). */
  auth?: boolean;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.auth !== false && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  return fetch(`/api/v1${path}`, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  let response = await send(path, options);
  if (response.status === 401 && options.auth !== false && storedRefreshToken()) {
    if (await refreshSession()) response = await send(path, options);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  }
  if (!response.ok) {
    const detail = payload && typeof payload === "object" && "detail" in payload ? payload.detail : payload;
    throw new ApiError(response.status, detail);
  }
  return payload as T;
}
