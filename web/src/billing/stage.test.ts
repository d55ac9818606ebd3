import { describe, expect, it } from "vitest";
import type { SubscriptionState } from "../api/types";
import { isLocked, pillStage } from "./stage";

const NOW = new Date("2026-05-06T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;

function subscription(patch: Partial<SubscriptionState>): SubscriptionState {
  return {
    status: "trialing",
    plan: "pro",
    current_period_start: "2026-05-01T12:00:00+00:00",
    current_period_end: new Date(NOW.getTime() + 14 * DAY).toISOString(),
    cancel_at_period_end: false,
    seat_limit: null,
    has_pro_entitlement: true,
    is_paid: false,
    ...patch,
  };
}

const endsIn = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

describe("pillStage", () => {
  it("shows a fresh trial with its days left in a calm tone", () => {
    const stage = pillStage(subscription({}), null, NOW);
    expect(stage).toMatchObject({ kind: "trial", label: "Pro trial · 14d", tone: "neutral", daysLeft: 14 });
  });

  it("uses the plan's display name when billing has one", () => {
    const billing = { display_name: "Pro Plus", description: null, monthly_price_cents: 1, annual_price_cents: null };
    expect(pillStage(subscription({}), billing, NOW).label).toBe("Pro Plus trial · 14d");
  });

  it("warns from four days left and turns urgent at the last day", () => {
    expect(pillStage(subscription({ current_period_end: endsIn(5 * DAY) }), null, NOW).tone).toBe("neutral");
    expect(pillStage(subscription({ current_period_end: endsIn(4 * DAY) }), null, NOW)).toMatchObject({ tone: "warning", daysLeft: 4 });
    expect(pillStage(subscription({ current_period_end: endsIn(2 * DAY) }), null, NOW).tone).toBe("warning");
    expect(pillStage(subscription({ current_period_end: endsIn(1 * DAY) }), null, NOW)).toMatchObject({ tone: "urgent", daysLeft: 1 });
    // a few hours left still counts as one day, not zero
    expect(pillStage(subscription({ current_period_end: endsIn(3 * 60 * 60 * 1000) }), null, NOW)).toMatchObject({
      kind: "trial",
      label: "Pro trial · 1d",
      tone: "urgent",
    });
  });

  it("calls a trial whose period has ended expired", () => {
    const stage = pillStage(subscription({ current_period_end: endsIn(-1000) }), null, NOW);
    expect(stage).toMatchObject({ kind: "trial_expired", label: "Trial expired", tone: "urgent", href: "/account/billing/select-plan" });
  });

  it("names a paid plan, a complimentary one, past due and canceled", () => {
    expect(pillStage(subscription({ status: "active", is_paid: true }), null, NOW)).toMatchObject({ kind: "paid", label: "Pro", tone: "success" });
    expect(pillStage(subscription({ status: "active", cancel_at_period_end: true }), null, NOW)).toMatchObject({
      label: "Pro · cancels at period end",
      tone: "warning",
    });
    expect(pillStage(subscription({ status: "complimentary" }), null, NOW)).toMatchObject({ kind: "complimentary", label: "Pro · complimentary" });
    expect(pillStage(subscription({ status: "past_due" }), null, NOW)).toMatchObject({ kind: "past_due", tone: "urgent", href: "/account/billing" });
    expect(pillStage(subscription({ status: "canceled" }), null, NOW)).toMatchObject({ kind: "canceled", tone: "urgent" });
    expect(pillStage(subscription({ status: "incomplete" }), null, NOW)).toMatchObject({ kind: "incomplete", tone: "urgent" });
    expect(pillStage(subscription({ status: "active", plan: "free" }), null, NOW)).toMatchObject({ kind: "free", label: "Free" });
  });
});

describe("isLocked", () => {
  it("follows the gateway's liveness rule", () => {
    expect(isLocked(subscription({}), NOW)).toBe(false);
    expect(isLocked(subscription({ current_period_end: endsIn(-1) }), NOW)).toBe(true);
    expect(isLocked(subscription({ status: "past_due" }), NOW)).toBe(false);
    expect(isLocked(subscription({ status: "complimentary" }), NOW)).toBe(false);
    expect(isLocked(subscription({ status: "canceled" }), NOW)).toBe(true);
    expect(isLocked(subscription({ status: "incomplete" }), NOW)).toBe(true);
  });
});
