import { Link } from "react-router-dom";
import { useApi, usePublicConfig } from "../api/hooks";
import type { PublicPlan } from "../api/types";
import { price } from "../billing/format";
import { PageTitle, PublicLayout } from "../ui/Layout";
import { NotFoundPage } from "./NotFoundPage";
import { Loading } from "../ui/RequireAuth";

const RECOMMENDED = "pro";

export function PricingPage() {
  const config = usePublicConfig();
  const selfServe = config.data?.self_serve_enabled ?? false;
  const plans = useApi<PublicPlan[]>(selfServe ? "/plans/public" : null, false);

  // the pricing page exists only for self-serve; while sales onboards every team, it is not found
  if (!config.loading && !selfServe) return <NotFoundPage />;

  return (
    <PublicLayout>
      <PageTitle>Pricing</PageTitle>
      {config.loading || plans.loading ? (
        <Loading />
      ) : (
        <>
          <ul className="pricing">
            {(plans.data ?? []).map((plan) => (
              <li key={plan.plan} className={plan.plan === RECOMMENDED ? "card recommended" : "card"}>
                {plan.plan === RECOMMENDED && <p className="badge">Recommended</p>}
                <h2>{plan.display_name}</h2>
                {plan.monthly_price_cents === null ? (
                  <p className="plan-price">Custom pricing</p>
                ) : (
                  <p className="plan-price">{price(plan.monthly_price_cents)} / seat / month</p>
                )}
                {plan.annual_price_cents !== null && <p className="muted">{price(plan.annual_price_cents)} / seat / year</p>}
                {plan.description && <p>{plan.description}</p>}
                {plan.max_seats !== null && <p className="muted">Up to {plan.max_seats} seats</p>}
                {plan.monthly_price_cents === null ? (
                  <Link className="button" to="/contact-sales?from=pricing">
                    Talk to sales
                  </Link>
                ) : (
                  <Link className="button" to={`/register?plan=${encodeURIComponent(plan.plan)}`}>
                    Start free trial
                  </Link>
                )}
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
