import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useApi } from "../api/hooks";
import type { PublicPlan } from "../api/types";
import { price } from "../billing/format";
import { Field, FormError } from "../ui/forms";
import { PageTitle } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

const PURCHASABLE = new Set(["starter", "pro", "enterprise"]);
const MAX_SEATS = 1000;

const CHECKOUT_ERRORS: Record<string, string> = {
  plan_not_purchasable: "This plan cannot be bought online yet. Please contact sales.",
  already_subscribed: "You already have a subscription: change it from the billing portal.",
  owner_or_admin_required: "Only the account owner or an admin can buy a plan.",
  stripe_not_configured: "Online payment is not available right now.",
  stripe_unavailable: "The payment provider is not reachable. Please try again.",
};

export function SelectPlanPage() {
  const plans = useApi<PublicPlan[]>("/plans/public", false);
  const purchasable = (plans.data ?? []).filter((plan) => PURCHASABLE.has(plan.plan));
  const [plan, setPlan] = useState("");
  const [seats, setSeats] = useState("1");
  const [interval, setInterval] = useState<"monthly" | "annual">("monthly");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!plan && purchasable.length) setPlan(purchasable.find((p) => p.plan === "pro")?.plan ?? purchasable[0].plan);
  }, [plan, purchasable]);

  if (plans.loading) return <Loading />;
  const chosen = purchasable.find((p) => p.plan === plan);
  const maxSeats = Math.min(chosen?.max_seats ?? MAX_SEATS, MAX_SEATS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const count = Number(seats);
    if (!Number.isInteger(count) || count < 1 || count > maxSeats) {
      setError(`Seats must be a whole number from 1 to ${maxSeats}.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { url } = await api<{ url: string }>("/billing/checkout-session", {
        method: "POST",
        body: { plan, seats: count, billing_interval: interval },
      });
      window.location.assign(url);
    } catch (exc) {
      setError(exc instanceof ApiError ? (CHECKOUT_ERRORS[exc.code ?? ""] ?? exc.message) : "Could not start checkout.");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="stack">
      <PageTitle>Choose a plan</PageTitle>
      <FormError message={error} />
      {purchasable.length === 0 ? (
        <p>
          No plan can be bought online right now. <Link to="/contact-sales">Contact sales</Link>
        </p>
      ) : (
        <>
          <fieldset className="plans">
            <legend>Plan</legend>
            {purchasable.map((option) => (
              <label key={option.plan} className={`plan-option${option.plan === plan ? " selected" : ""}`}>
                <input type="radio" name="plan" value={option.plan} checked={option.plan === plan} onChange={() => setPlan(option.plan)} />
                <span className="plan-name">{option.display_name}</span>
                <span className="plan-price">
                  {price(interval === "monthly" ? option.monthly_price_cents : option.annual_price_cents)}
                  {interval === "monthly" ? " / seat / month" : " / seat / year"}
                </span>
                {option.description && <span className="muted">{option.description}</span>}
              </label>
            ))}
          </fieldset>
          <fieldset className="row">
            <legend>Billing</legend>
            <label>
              <input type="radio" name="interval" checked={interval === "monthly"} onChange={() => setInterval("monthly")} /> Monthly
            </label>
            <label>
              <input type="radio" name="interval" checked={interval === "annual"} onChange={() => setInterval("annual")} /> Annual
            </label>
          </fieldset>
          <Field label="Seats" name="seats" type="number" min={1} max={maxSeats} required value={seats} onChange={(e) => setSeats(e.target.value)} />
          <button type="submit" className="button" disabled={busy || !plan}>
            {busy ? "Opening checkout…" : "Continue to payment"}
          </button>
        </>
      )}
      <p className="muted">
        <Link to="/account/billing">Back to billing</Link>
      </p>
    </form>
  );
}
