export interface User {
  id: string;
  email: string;
  name: string;
  account_id: string | null;
  account_role: "owner" | "admin" | "engineer" | "viewer" | null;
  is_super_admin: boolean;
  email_verified_at: string | null;
  created_at: string;
  onboarding_step_completed: number | null;
  onboarding_dismissed: boolean;
  has_password: boolean;
  oauth_providers: string[];
}

export interface PublicConfig {
  self_serve_enabled: boolean;
  oauth_providers: string[];
}

export type SubscriptionStatus = "active" | "trialing" | "past_due" | "canceled" | "incomplete" | "complimentary";

export interface SubscriptionState {
  status: SubscriptionStatus;
  plan: string;
  current_period_start: string | null;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  seat_limit: number | null;
  has_pro_entitlement: boolean;
  is_paid: boolean;
}

export interface PlanBilling {
  display_name: string;
  description: string | null;
  monthly_price_cents: number | null;
  annual_price_cents: number | null;
}

export interface BillingState {
  subscription: SubscriptionState;
  plan_billing: PlanBilling | null;
  plan_limits: Record<string, unknown>;
  enabled_features: Record<string, boolean>;
}

export interface OnboardingStatus {
  created_flow: boolean;
  ran_session: boolean;
  exported_session: boolean;
  tried_ai_assistant: boolean;
  invited_teammate: boolean;
  connected_psa: boolean;
  is_team_user: boolean;
  dismissed: boolean;
  email_verified: boolean;
  shop_setup_done: boolean;
  onboarding_step_completed: number | null;
}

export interface PublicPlan {
  plan: string;
  display_name: string;
  description: string | null;
  monthly_price_cents: number | null;
  annual_price_cents: number | null;
  max_seats: number | null;
  sort_order: number;
}

/** A limit's value on one plan: a count (null = unlimited), a yes/no, or the export formats. */
export type PlanLimitValue = number | boolean | string[] | null;

/** `GET /plans/public/comparison`: the public plans (same order as `/plans/public`), their limits and flag defaults. */
export interface PlanComparison {
  plans: { plan: string; display_name: string }[];
  limits: { key: string; values: Record<string, PlanLimitValue> }[];
  features: { flag_key: string; display_name: string; description: string | null; plans: Record<string, boolean> }[];
}

export interface Member {
  id: string;
  email: string;
  name: string;
  account_role: string;
  is_active: boolean;
  email_verified_at: string | null;
  created_at: string;
}

export interface Invite {
  id: string;
  email: string;
  code: string;
  role: string;
  expires_at: string;
  created_at: string;
  status: "pending" | "accepted" | "revoked" | "expired";
}

export interface BulkInviteResult {
  created: Invite[];
  failed: { email: string; error: string }[];
}
