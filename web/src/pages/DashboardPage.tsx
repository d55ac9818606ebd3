import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useApi, useBillingState } from "../api/hooks";
import type { OnboardingStatus } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { verificationStage } from "../auth/verification";
import { isLocked, pillStage } from "../billing/stage";
import { NextStepCard } from "../onboarding/NextStepCard";
import { Notice } from "../ui/forms";
import { PageTitle } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

type Probe =
  | { kind: "loading" }
  | { kind: "ok"; count: number | null }
  | { kind: "upgrade"; reason: string; upgradeUrl: string }
  | { kind: "verify" }
  | { kind: "unavailable" };

/** The product area: one Pro-gated call whose 402/403 become upgrade/verify prompts. */
function useProductProbe(): Probe {
  const [probe, setProbe] = useState<Probe>({ kind: "loading" });
  useEffect(() => {
    let live = true;
    api<unknown>("/trees")
      .then((body) => live && setProbe({ kind: "ok", count: Array.isArray(body) ? body.length : null }))
      .catch((exc: unknown) => {
        if (!live) return;
        if (exc instanceof ApiError && exc.status === 402) {
          const detail = exc.detail as { upgrade_url?: string };
          setProbe({ kind: "upgrade", reason: exc.code ?? "upgrade", upgradeUrl: detail.upgrade_url ?? "/account/billing/select-plan" });
        } else if (exc instanceof ApiError && exc.status === 403 && exc.code === "email_not_verified") {
          setProbe({ kind: "verify" });
        } else {
          setProbe({ kind: "unavailable" });
        }
      });
    return () => {
      live = false;
    };
  }, []);
  return probe;
}

function useResendVerification() {
  const [message, setMessage] = useState<string | null>(null);
  async function resend() {
    try {
      const answer = await api<{ message: string }>("/auth/email/send-verification", { method: "POST" });
      setMessage(answer.message);
    } catch (exc) {
      setMessage(exc instanceof ApiError ? exc.message : "Could not send the email.");
    }
  }
  return { message, resend };
}

export function DashboardPage() {
  const { user, signOut } = useAuth();
  const billing = useBillingState();
  const onboarding = useApi<OnboardingStatus>("/users/onboarding-status");
  const probe = useProductProbe();
  const verification = useResendVerification();
  const now = new Date();

  if (!user) return <Loading />;
  const stage = verificationStage(user, now);

  if (stage.kind === "overdue" || probe.kind === "verify") {
    return (
      <section className="wall" aria-labelledby="wall-title" data-testid="verify-wall">
        <h1 id="wall-title" tabIndex={-1}>
          Verify your email to continue
        </h1>
        <p>
          We sent a link to <strong>{user.email}</strong>. The grace period is over, so the workspace stays locked until you
          open it.
        </p>
        {verification.message && <Notice>{verification.message}</Notice>}
        <div className="row">
          <button type="button" className="button" onClick={() => void verification.resend()}>
            Resend the email
          </button>
          <button type="button" className="button button-secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </section>
    );
  }

  const subscription = billing.data?.subscription;
  const locked = (subscription && isLocked(subscription, now)) || probe.kind === "upgrade";
  const pill = subscription && billing.data ? pillStage(subscription, billing.data.plan_billing, now) : null;

  return (
    <div className="dashboard">
      <PageTitle>Welcome, {user.name}</PageTitle>
      {stage.kind === "grace" && (
        <div className="banner" role="region" aria-label="Email verification" data-testid="verify-banner">
          <p>
            Please verify <strong>{user.email}</strong> — {stage.daysLeft} {stage.daysLeft === 1 ? "day" : "days"} left before
            the workspace locks.
          </p>
          <button type="button" className="link-button" onClick={() => void verification.resend()}>
            Resend the email
          </button>
          {verification.message && <span role="status"> {verification.message}</span>}
        </div>
      )}
      {locked && (
        <section className="wall wall-inline" aria-labelledby="upgrade-title" data-testid="upgrade-wall">
          <h2 id="upgrade-title">{pill?.kind === "trial_expired" ? "Your trial has ended" : "Upgrade to keep working"}</h2>
          <p>Choose a plan to unlock flows, sessions and the assistant again. Your data is kept.</p>
          <Link className="button" to="/account/billing/select-plan">
            Choose a plan
          </Link>
        </section>
      )}
      <div className="grid">
        {onboarding.data && (
          <NextStepCard
            status={onboarding.data}
            onResendVerification={() => void verification.resend()}
            onDismiss={() => void api("/users/onboarding-dismiss", { method: "POST" }).then(onboarding.reload)}
          />
        )}
        <section className="card" aria-labelledby="product-title" data-testid="product-area" data-probe={probe.kind}>
          <h2 id="product-title">Your flows</h2>
          {probe.kind === "loading" && <Loading />}
          {probe.kind === "ok" && <p>{probe.count === null ? "Your workspace is ready." : `${probe.count} flows in your workspace.`}</p>}
          {probe.kind === "upgrade" && (
            <p>
              {probe.reason === "limit_reached" ? "You have reached your plan's limit." : "Flows need an active plan."}{" "}
              <Link to={probe.upgradeUrl}>Upgrade</Link>
            </p>
          )}
          {probe.kind === "unavailable" && <p>The product workspace is not connected in this environment.</p>}
        </section>
      </div>
    </div>
  );
}
