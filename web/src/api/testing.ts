import { vi } from "vitest";

/** Stub `fetch` with answers per "METHOD /path" (first match by prefix); records every call. */
export function stubApi(routes: Record<string, (body: unknown) => [number, unknown]>) {
  const calls: { key: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const key = `${init.method ?? "GET"} ${url}`;
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ key, body });
      const match = Object.keys(routes).find((route) => key.startsWith(route));
      if (!match) return new Response(JSON.stringify({ detail: "Not Found" }), { status: 404 });
      const [status, payload] = routes[match](body);
      return new Response(JSON.stringify(payload), { status, headers: { "Content-Type": "application/json" } });
    }),
  );
  return calls;
}
