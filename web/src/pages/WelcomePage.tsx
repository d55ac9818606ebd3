import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { useApi } from "../api/hooks";
import type { BulkInviteResult, OnboardingStatus } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { Field, FormError, Select } from "../ui/forms";
import { PageTitle } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

const TEAM_SIZES = ["1-2", "3-5", "6-10", "11-25", "26+"].map((value) => ({ value, label: value }));
const ROLES = [
  { value: "owner", label: "Owner" },
  { value: "lead_tech", label: "Lead technician" },
  { value: "tech", label: "Technician" },
  { value: "other", label: "Other" },
];
const PSAS = [
  { value: "connectwise", label: "ConnectWise" },
  { value: "autotask", label: "Autotask" },
  { value: "halopsa", label: "HaloPSA" },
  { value: "none", label: "None / other" },
];
const INVITE_ROLES = [
  { value: "engineer", label: "Engineer" },
  { value: "admin", label: "Admin" },
  { value: "viewer", label: "Viewer" },
];
const MAX_INVITES = 10;

/** The step to show: the one after the last completed (1–3), or null when the wizard is over. */
export function wizardStep(status: Pick<OnboardingStatus, "onboarding_step_completed" | "dismissed">): number | null {
  if (status.dismissed) return null;
  const next = (status.onboarding_step_completed ?? 0) + 1;
  return next > 3 ? null : next;
}

export function WelcomePage() {
  const status = useApi<OnboardingStatus>("/users/onboarding-status");
  const [step, setStep] = useState<number | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();

  useEffect(() => {
    if (status.data) setStep(wizardStep(status.data));
  }, [status.data]);

  if (status.loading || step === undefined) return <Loading />;
  if (step === null) return <Navigate to="/" replace />;

  async function advance(action: "complete" | "skip", data?: Record<string, string>) {
    setError(null);
    try {
      await api("/users/me/onboarding-step", { method: "PATCH", body: { step, action, data } });
      if (step === 3) navigate("/");
      else setStep((step ?? 0) + 1);
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Could not save this step.");
    }
  }

  async function skipRest() {
    try {
      await api("/users/me/onboarding-dismiss-rest", { method: "POST" });
      navigate("/");
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Could not skip.");
    }
  }

  return (
    <div className="wizard">
      <p className="eyebrow" aria-live="polite">
        Step {step} of 3
      </p>
      <ol className="steps" aria-label="Setup progress">
        {["Your shop", "Your PSA", "Your team"].map((label, index) => (
          <li key={label} className={index + 1 === step ? "current" : index + 1 < step ? "done" : undefined} aria-current={index + 1 === step ? "step" : undefined}>
            {label}
          </li>
        ))}
      </ol>
      <FormError message={error} />
      {step === 1 && <ShopStep onComplete={(data) => void advance("complete", data)} />}
      {step === 2 && <PsaStep onComplete={(data) => void advance("complete", data)} />}
      {step === 3 && <TeamStep onComplete={() => void advance("complete")} />}
      <div className="row wizard-skip">
        <button type="button" className="link-button" onClick={() => void advance("skip")}>
          Skip this step
        </button>
        <button type="button" className="link-button" onClick={() => void skipRest()}>
          Skip the rest
        </button>
      </div>
    </div>
  );
}

function ShopStep({ onComplete }: { onComplete: (data: Record<string, string>) => void }) {
  const { user } = useAuth();
  const isManager = user?.account_role === "owner" || user?.account_role === "admin";
  const [company, setCompany] = useState("");
  const [size, setSize] = useState("1-2");
  const [role, setRole] = useState("owner");

  function submit(event: FormEvent) {
    event.preventDefault();
    const data: Record<string, string> = { role_at_signup: role };
    if (isManager) {
      if (company.trim()) data.company_name = company.trim();
      data.team_size_bucket = size;
    }
    onComplete(data);
  }

  return (
    <form onSubmit={submit} className="stack">
      <PageTitle>Tell us about your shop</PageTitle>
      {isManager && (
        <>
          <Field label="Company name" name="company_name" maxLength={255} value={company} onChange={(e) => setCompany(e.target.value)} />
          <Select label="Team size" name="team_size_bucket" value={size} onChange={setSize} options={TEAM_SIZES} />
        </>
      )}
      <Select label="Your role" name="role_at_signup" value={role} onChange={setRole} options={ROLES} />
      <button type="submit" className="button">
        Continue
      </button>
    </form>
  );
}

function PsaStep({ onComplete }: { onComplete: (data: Record<string, string>) => void }) {
  const [psa, setPsa] = useState("connectwise");
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onComplete({ primary_psa: psa });
      }}
      className="stack"
    >
      <PageTitle>Which PSA do you use?</PageTitle>
      <Select label="Primary PSA" name="primary_psa" value={psa} onChange={setPsa} options={PSAS} />
      <button type="submit" className="button">
        Continue
      </button>
    </form>
  );
}

interface InviteRow {
  email: string;
  role: string;
  error?: string;
}

const INVITE_ERRORS: Record<string, string> = {
  already_member: "Already a member of your team",
  duplicate_in_request: "Listed twice",
};

function TeamStep({ onComplete }: { onComplete: () => void }) {
  const [rows, setRows] = useState<InviteRow[]>([{ email: "", role: "engineer" }]);
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  function update(index: number, patch: Partial<InviteRow>) {
    setRows((current) => current.map((row, i) => (i === index ? { ...row, ...patch, error: undefined } : row)));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const filled = rows.filter((row) => row.email.trim());
    if (filled.length === 0) {
      onComplete();
      return;
    }
    try {
      const result = await api<BulkInviteResult>("/accounts/me/invites/bulk", {
        method: "POST",
        body: { invites: filled.map((row) => ({ email: row.email.trim(), role: row.role })) },
      });
      setSent(result.created.length);
      if (result.failed.length === 0) {
        onComplete();
        return;
      }
      // keep only the rows that failed, each with its reason
      setRows(
        result.failed.map((failure) => ({
          email: failure.email,
          role: filled.find((row) => row.email.trim().toLowerCase() === failure.email.toLowerCase())?.role ?? "engineer",
          error: INVITE_ERRORS[failure.error] ?? failure.error.replace(/_/g, " "),
        })),
      );
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Could not send the invites.");
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="stack">
      <PageTitle>Invite your team</PageTitle>
      <FormError message={error} />
      {sent !== null && (
        <p role="status" className="alert alert-success">
          {sent} {sent === 1 ? "invite" : "invites"} sent. Fix the rows below or continue.
        </p>
      )}
      {rows.map((row, index) => (
        <div className="invite-row" key={index}>
          <Field
            label={`Teammate ${index + 1} email`}
            type="email"
            value={row.email}
            error={row.error}
            onChange={(e) => update(index, { email: e.target.value })}
          />
          <Select label="Role" value={row.role} onChange={(role) => update(index, { role })} options={INVITE_ROLES} />
        </div>
      ))}
      <div className="row">
        {rows.length < MAX_INVITES && (
          <button type="button" className="button button-secondary" onClick={() => setRows([...rows, { email: "", role: "engineer" }])}>
            Add another
          </button>
        )}
        <button type="submit" className="button">
          Send invites and finish
        </button>
        {sent !== null && (
          <button type="button" className="button button-secondary" onClick={onComplete}>
            Finish
          </button>
        )}
      </div>
    </form>
  );
}
