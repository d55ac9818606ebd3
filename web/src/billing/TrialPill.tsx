import { Link } from "react-router-dom";
import type { BillingState } from "../api/types";
import { pillStage } from "./stage";

export function TrialPill({ state, now = new Date() }: { state: BillingState; now?: Date }) {
  const stage = pillStage(state.subscription, state.plan_billing, now);
  const className = `pill pill-${stage.tone}`;
  const title = stage.kind === "trial" ? `${stage.daysLeft} days left in your trial` : undefined;
  if (stage.href) {
    return (
      <Link className={className} to={stage.href} title={title} data-testid="plan-pill" data-stage={stage.kind}>
        {stage.label}
      </Link>
    );
  }
  return (
    <span className={className} title={title} data-testid="plan-pill" data-stage={stage.kind}>
      {stage.label}
    </span>
  );
}
