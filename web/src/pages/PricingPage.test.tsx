import { cleanup, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../api/testing";
import type { PlanComparison, PublicPlan } from "../api/types";
import { PricingPage } from "./PricingPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function plan(plan: string, display_name: string, monthly_price_cents: number | null, sort_order: number): PublicPlan {
  return { plan, display_name, description: null, monthly_price_cents, annual_price_cents: null, max_seats: null, sort_order };
}

const PLANS = [plan("starter", "Starter", 1999, 10), plan("pro", "Pro", 2999, 20), plan("enterprise", "Enterprise", null, 30)];
const ALL_EXPORTS = ["markdown", "text", "html"];

const COMPARISON: PlanComparison = {
  plans: PLANS.map(({ plan, display_name }) => ({ plan, display_name })),
  limits: [
    { key: "max_users", values: { starter: 1, pro: 5, enterprise: null } },
    { key: "max_sessions_per_month", values: { starter: 75, pro: 2000, enterprise: null } },
    { key: "custom_branding", values: { starter: false, pro: true, enterprise: true } },
    { key: "export_formats", values: { starter: ["markdown", "text"], pro: ALL_EXPORTS, enterprise: ALL_EXPORTS } },
  ],
  features: [
    {
      flag_key: "sso",
      display_name: "Single Sign-On",
      description: "Sign in with your identity provider",
      plans: { starter: false, pro: false, enterprise: true },
    },
  ],
};

// stubApi matches by prefix, so the comparison goes before the plain plan list
function renderPricing(comparison: () => [number, unknown]) {
  const calls = stubApi({
    "GET /api/v1/config/public": () => [200, { self_serve_enabled: true, oauth_providers: [] }],
    "GET /api/v1/plans/public/comparison": comparison,
    "GET /api/v1/plans/public": () => [200, PLANS],
  });
  render(
    <MemoryRouter>
      <PricingPage />
    </MemoryRouter>,
  );
  return calls;
}

/** The text of each cell of the row whose header is `label`, header first. */
function row(table: HTMLElement, label: string): string[] {
  const header = within(table).getByRole("rowheader", { name: new RegExp(`^${label}`) });
  return Array.from(header.closest("tr")!.children, (cell) => cell.textContent ?? "");
}

describe("PricingPage", () => {
  it("compares the plans' limits and features in a table below the cards", async () => {
    renderPricing(() => [200, COMPARISON]);

    const table = await screen.findByRole("table", { name: "Compare plans" });
    const headers = within(table).getAllByRole("columnheader").map((cell) => cell.textContent);
    expect(headers).toEqual(["Feature", "Starter", "Pro", "Enterprise"]);
    expect(row(table, "Seats")).toEqual(["Seats", "1", "5", "Unlimited"]);
    expect(row(table, "Sessions per month")).toEqual(["Sessions per month", "75", (2000).toLocaleString(), "Unlimited"]);
    expect(row(table, "Custom branding")).toEqual(["Custom branding", "—Not included", "✓Included", "✓Included"]);
    expect(row(table, "Export formats")[1]).toBe("markdown, text");
    expect(row(table, "Single Sign-On")).toEqual([
      "Single Sign-OnSign in with your identity provider",
      "—Not included",
      "—Not included",
      "✓Included",
    ]);
    const sso = within(table).getByRole("rowheader", { name: /^Single Sign-On/ }).closest("tr")!;
    const [starter, , enterprise] = within(sso).getAllByRole("cell");
    expect(within(enterprise).getByText("Included").className).toBe("visually-hidden");
    expect(within(starter).getByText("Not included").className).toBe("visually-hidden");
    expect(within(enterprise).getByText("✓").getAttribute("aria-hidden")).toBe("true");
    expect(screen.getByRole("heading", { name: "Pro" })).toBeTruthy();
  });

  it("still shows the plan cards, without a table, when the comparison fails", async () => {
    const calls = renderPricing(() => [500, { detail: "Internal Server Error" }]);

    expect(await screen.findByRole("heading", { name: "Starter" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Enterprise" })).toBeTruthy();
    expect(calls.some((call) => call.key === "GET /api/v1/plans/public/comparison")).toBe(true);
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByText("Compare plans")).toBeNull();
  });
});
