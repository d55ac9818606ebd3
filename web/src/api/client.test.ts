import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, clearTokens, hasAccessToken, setTokens, storedRefreshToken } from "./client";

type Call = { url: string; init: RequestInit };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** A scripted fetch: answers in order, recording each call. */
function scriptedFetch(answers: Response[]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const next = answers.shift();
      if (!next) throw new Error(`unexpected call ${url}`);
      return next;
    }),
  );
  return calls;
}

const authorization = (call: Call) => (call.init.headers as Record<string, string>).Authorization;

beforeEach(() => {
  clearTokens();
  setTokens({ access_token: "old-access", refresh_token: "refresh-1", token_type: "bearer" });
});

afterEach(() => {
  vi.unstubAllGlobals();
  clearTokens();
});

describe("api", () => {
  it("refreshes once on a 401 and retries with the new access token", async () => {
    const calls = scriptedFetch([
      json(401, { detail: "Could not validate credentials" }),
      json(200, { access_token: "new-access", refresh_token: "refresh-2", token_type: "bearer" }),
      json(200, { id: "me" }),
    ]);

    await expect(api("/users/me")).resolves.toEqual({ id: "me" });

    expect(calls.map((c) => c.url)).toEqual(["/api/v1/users/me", "/api/v1/auth/refresh", "/api/v1/users/me"]);
    expect(authorization(calls[0])).toBe("Bearer old-access");
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ refresh_token: "refresh-1" });
    expect(authorization(calls[2])).toBe("Bearer new-access");
    expect(storedRefreshToken()).toBe("refresh-2");
  });

  it("shares one refresh between concurrent 401s (refresh tokens are single-use)", async () => {
    const calls = scriptedFetch([
      json(401, { detail: "Could not validate credentials" }),
      json(401, { detail: "Could not validate credentials" }),
      json(200, { access_token: "new-access", refresh_token: "refresh-2", token_type: "bearer" }),
      json(200, { n: 1 }),
      json(200, { n: 2 }),
    ]);

    await Promise.all([api("/a"), api("/b")]);

    expect(calls.filter((c) => c.url === "/api/v1/auth/refresh")).toHaveLength(1);
  });

  it("ends the session when the refresh is refused, and does not retry", async () => {
    const calls = scriptedFetch([
      json(401, { detail: "Could not validate credentials" }),
      json(401, { detail: { error: "refresh_token_reused" } }),
    ]);

    const failure = await api("/users/me").catch((exc: unknown) => exc);

    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(401);
    expect(calls).toHaveLength(2);
    expect(storedRefreshToken()).toBeNull();
    expect(hasAccessToken()).toBe(false);
  });

  it("exposes the machine code of an error detail", async () => {
    scriptedFetch([json(402, { detail: { error: "subscription_inactive", upgrade_url: "/account/billing/select-plan" } })]);
    const failure = (await api("/trees").catch((exc: unknown) => exc)) as ApiError;
    expect([failure.status, failure.code]).toEqual([402, "subscription_inactive"]);
  });
});
