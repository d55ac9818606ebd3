import { Link } from "react-router-dom";
import { useApi, usePublicConfig } from "../api/hooks";
import type { PlanComparison, PlanLimitValue, PublicPlan } from "../api/types";
import { price } from "../billing/format";
import { PageTitle, PublicLayout } from "../ui/Layout";
import { NotFoundPage } from "./NotFoundPage";
import { Loading } from "../ui/RequireAuth";

const RECOMMENDED = "pro";

const LIMIT_LABELS: Record<string, string> = {
  max_users: "Seats",
  max_trees: "Trees",
  max_sessions_per_month: "Sessions per month",
  max_ai_builds_per_month: "AI builds per month",
  custom_branding: "Custom branding",
  priority_support: "Priority support",
  export_formats: "Export formats",
};

export function PricingPage() {
  const config = usePublicConfig();
  const selfServe = config.data?.self_serve_enabled ?? false;
  const plans = useApi<PublicPlan[]>(selfServe ? "/plans/public" : null, false);
  const comparison = useApi<PlanComparison>(selfServe ? "/plans/public/comparison" : null, false);

  // the pricing page exists only for self-serve; while sales onboards every team, it is not found
  if (!config.loading && !selfServe) return <NotFoundPage />;

  return (
    <PublicLayout>
      <PageTitle>Pricing</PageTitle>
      {config.loading || plans.loading || comparison.loading ? (
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
          {/* without the comparison (request failed) the cards stand alone */}
          {comparison.data && <ComparisonTable comparison={comparison.data} />}
          <p>
            Need more? <Link to="/contact-sales?from=pricing">Contact sales</Link>
          </p>
        </>
      )}
    </PublicLayout>
  );
}

function ComparisonTable({ comparison }: { comparison: PlanComparison }) {
  const { plans, limits, features } = comparison;
  return (
    <div className="table-scroll" role="region" aria-labelledby="compare-plans" tabIndex={0}>
      <table className="compare">
        <caption id="compare-plans">Compare plans</caption>
        <thead>
          <tr>
            <th scope="col">Feature</th>
            {plans.map((plan) => (
              <th scope="col" key={plan.plan}>
                {plan.display_name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {limits.map((limit) => (
            <tr key={limit.key}>
              <th scope="row">{LIMIT_LABELS[limit.key] ?? limit.key}</th>
              {plans.map((plan) => (
                <td key={plan.plan}>
                  <LimitCell value={limit.values[plan.plan] ?? null} />
                </td>
              ))}
            </tr>
          ))}
          {features.map((feature) => (
            <tr key={feature.flag_key}>
              <th scope="row">
                {feature.display_name}
                {feature.description && <small className="muted">{feature.description}</small>}
              </th>
              {plans.map((plan) => (
                <td key={plan.plan}>
                  <Included value={feature.plans[plan.plan] ?? false} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LimitCell({ value }: { value: PlanLimitValue }) {
  if (value === null) return <>Unlimited</>;
  if (typeof value === "boolean") return <Included value={value} />;
  if (typeof value === "number") return <>{new Intl.NumberFormat().format(value)}</>;
  return <>{value.join(", ")}</>;
}

function Included({ value }: { value: boolean }) {
  return (
    <>
      <span aria-hidden="true">{value ? "✓" : "—"}</span>
      <span className="visually-hidden">{value ? "Included" : "Not included"}</span>
    </>
  );
}
