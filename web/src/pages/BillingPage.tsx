import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useBillingState } from "../api/hooks";
import { useAuth } from "../auth/AuthContext";
import { day } from "../billing/format";
import { planName } from "../billing/stage";
import { TrialPill } from "../billing/TrialPill";
import { FormError, Notice } from "../ui/forms";
import { PageTitle } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

const PORTAL_ERRORS: Record<string, string> = {
  no_stripe_customer: "There is no billing account yet: choose a plan first.",
  owner_or_admin_required: "Only the account owner or an admin can manage billing.",
  stripe_not_configured: "Online billing is not available right now.",
  stripe_unavailable: "The payment provider is not reachable. Please try again.",
};

const STATUS_NAMES: Record<string, string> = {
  trialing: "Trial",
  active: "Active",
  past_due: "Past due",
  canceled: "Canceled",
  incomplete: "Incomplete",
  complimentary: "Complimentary",
};

export function canManageBilling(role: string | null | undefined): boolean {
  return role === "owner" || role === "admin";
}

export function BillingPage() {
  const billing = useBillingState();
  const { user } = useAuth();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);

  async function openPortal() {
    setError(null);
    try {
      const { url } = await api<{ url: string }>("/billing/portal-session");
      window.location.assign(url);
    } catch (exc) {
      setError(exc instanceof ApiError ? (PORTAL_ERRORS[exc.code ?? ""] ?? exc.message) : "Could not open the billing portal.");
    }
  }

  if (billing.loading) return <Loading />;
  if (!billing.data) return <FormError message={billing.error?.message ?? "No billing information yet."} />;
  const { subscription, plan_billing } = billing.data;
  const manager = canManageBilling(user?.account_role);

  return (
    <div className="stack">
      <PageTitle>Billing</PageTitle>
      {params.get("success") === "1" && <Notice>Thanks! Your payment is being confirmed; your plan updates in a moment.</Notice>}
      <FormError message={error} />
      <section className="card" aria-labelledby="plan-title">
        <h2 id="plan-title">
          {planName(subscription.plan, plan_billing)} <TrialPill state={billing.data} />
        </h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>{STATUS_NAMES[subscription.status]}</dd>
          <dt>{subscription.status === "trialing" ? "Trial ends" : "Current period ends"}</dt>
          <dd>{day(subscription.current_period_end)}</dd>
          <dt>Seats</dt>
          <dd>{subscription.seat_limit ?? "—"}</dd>
        </dl>
        {manager ? (
          <div className="row">
            <Link className="button" to="/account/billing/select-plan">
              {subscription.is_paid ? "Change plan" : "Choose a plan"}
            </Link>
            <button type="button" className="button button-secondary" onClick={() => void openPortal()}>
              Manage payment details
            </button>
          </div>
        ) : (
          <p className="muted">Ask your account owner to change the plan.</p>
        )}
      </section>
    </div>
  );
}
