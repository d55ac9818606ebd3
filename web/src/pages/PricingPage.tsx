import { Link } from "react-router-dom";
import { useApi, usePublicConfig } from "../api/hooks";
import type { PublicPlan } from "../api/types";
import { price } from "../billing/format";
import { PageTitle, PublicLayout } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

export function PricingPage() {
  const config = usePublicConfig();
  const selfServe = config.data?.self_serve_enabled ?? false;
  const plans = useApi<PublicPlan[]>(selfServe ? "/plans/public" : null, false);

  return (
    <PublicLayout>
      <PageTitle>Pricing</PageTitle>
      {config.loading || plans.loading ? (
        <Loading />
      ) : !selfServe ? (
        <p>
          We are onboarding teams personally right now. <Link to="/contact-sales?from=pricing">Talk to sales</Link> for a quote.
        </p>
      ) : (
        <>
          <ul className="pricing">
            {(plans.data ?? []).map((plan) => (
              <li key={plan.plan} className="card">
                <h2>{plan.display_name}</h2>
                <p className="plan-price">{price(plan.monthly_price_cents)} / seat / month</p>
                {plan.annual_price_cents !== null && <p className="muted">{price(plan.annual_price_cents)} / seat / year</p>}
                {plan.description && <p>{plan.description}</p>}
                {plan.max_seats !== null && <p className="muted">Up to {plan.max_seats} seats</p>}
                <Link className="button" to="/register">
                  Start free trial
                </Link>
              </li>
            ))}
          </ul>
          <p>
            Need more? <Link to="/contact-sales?from=pricing">Contact sales</Link>
          </p>
        </>
      )}
    </PublicLayout>
  );
}
