import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import type { BillingState, SubscriptionState } from "../api/types";
import { TrialPill } from "./TrialPill";

const NOW = new Date("2026-05-06T12:00:00Z");

function state(patch: Partial<SubscriptionState>): BillingState {
  return {
    subscription: {
      status: "trialing",
      plan: "pro",
      current_period_start: null,
      current_period_end: "2026-05-09T12:00:00+00:00",
      cancel_at_period_end: false,
      seat_limit: null,
      has_pro_entitlement: true,
      is_paid: false,
      ...patch,
    },
    plan_billing: null,
    plan_limits: {},
    enabled_features: {},
  };
}

afterEach(cleanup);

describe("TrialPill", () => {
  it("links a trial in its warning days to plan selection", () => {
    render(<TrialPill state={state({})} now={NOW} />, { wrapper: MemoryRouter });
    const pill = screen.getByRole("link", { name: "Pro trial · 3d" });
    expect(pill.getAttribute("href")).toBe("/account/billing/select-plan");
    expect(pill.className).toContain("pill-warning");
    expect(pill.getAttribute("title")).toBe("3 days left in your trial");
  });

  it("shows a complimentary plan as plain text", () => {
    render(<TrialPill state={state({ status: "complimentary" })} now={NOW} />, { wrapper: MemoryRouter });
    const pill = screen.getByTestId("plan-pill");
    expect(pill.tagName).toBe("SPAN");
    expect(pill.textContent).toBe("Pro · complimentary");
  });

  it("marks an expired trial urgent", () => {
    render(<TrialPill state={state({ current_period_end: "2026-05-01T00:00:00+00:00" })} now={NOW} />, { wrapper: MemoryRouter });
    const pill = screen.getByRole("link", { name: "Trial expired" });
    expect(pill.className).toContain("pill-urgent");
  });
});
