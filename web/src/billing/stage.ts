import type { PlanBilling, SubscriptionState } from "../api/types";

export type PillTone = "neutral" | "success" | "warning" | "urgent";

export interface PillStage {
  kind: "trial" | "trial_expired" | "paid" | "free" | "complimentary" | "past_due" | "canceled" | "incomplete";
  label: string;
  tone: PillTone;
  /** Whole days left in a running trial (rounded up), else null. */
  daysLeft: number | null;
  /** Where the pill sends the user, if anywhere. */
  href: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const TRIAL_WARNING_DAYS = 4;
export const TRIAL_URGENT_DAYS = 1;

export function planName(plan: string, billing: PlanBilling | null): string {
  return billing?.display_name || plan.charAt(0).toUpperCase() + plan.slice(1);
}

export function trialDaysLeft(periodEnd: string | null, now: Date): number | null {
  if (!periodEnd) return null;
  const left = new Date(periodEnd).getTime() - now.getTime();
  return left > 0 ? Math.ceil(left / DAY_MS) : 0;
}

/** The subscription pill for one billing state at `now`: the stage, its words and its urgency. */
export function pillStage(subscription: SubscriptionState, billing: PlanBilling | null, now: Date): PillStage {
  const name = planName(subscription.plan, billing);
  const upgrade = "/account/billing/select-plan";
  switch (subscription.status) {
    case "trialing": {
      const days = trialDaysLeft(subscription.current_period_end, now);
      if (days === null || days <= 0) {
        return { kind: "trial_expired", label: "Trial expired", tone: "urgent", daysLeft: 0, href: upgrade };
      }
      const tone: PillTone = days <= TRIAL_URGENT_DAYS ? "urgent" : days <= TRIAL_WARNING_DAYS ? "warning" : "neutral";
      return { kind: "trial", label: `${name} trial · ${days}d`, tone, daysLeft: days, href: upgrade };
    }
    case "active":
      if (subscription.plan === "free") {
        return { kind: "free", label: name, tone: "neutral", daysLeft: null, href: upgrade };
      }
      return {
        kind: "paid",
        label: subscription.cancel_at_period_end ? `${name} · cancels at period end` : name,
        tone: subscription.cancel_at_period_end ? "warning" : "success",
        daysLeft: null,
        href: "/account/billing",
      };
    case "complimentary":
      return { kind: "complimentary", label: `${name} · complimentary`, tone: "success", daysLeft: null, href: null };
    case "past_due":
      return { kind: "past_due", label: "Payment past due", tone: "urgent", daysLeft: null, href: "/account/billing" };
    case "canceled":
      return { kind: "canceled", label: "Subscription canceled", tone: "urgent", daysLeft: null, href: upgrade };
    case "incomplete":
      return { kind: "incomplete", label: "Payment incomplete", tone: "urgent", daysLeft: null, href: "/account/billing" };
  }
}

/** Whether the account is locked out of Pro routes (the gateway's liveness rule of api.md). */
export function isLocked(subscription: SubscriptionState, now: Date): boolean {
  switch (subscription.status) {
    case "active":
    case "complimentary":
    case "past_due":
      return false;
    case "trialing":
      return !subscription.current_period_end || new Date(subscription.current_period_end) <= now;
    default:
      return true;
  }
}
