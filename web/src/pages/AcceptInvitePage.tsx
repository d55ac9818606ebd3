import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError, type TokenPair } from "../api/client";
import { useApi, usePublicConfig } from "../api/hooks";
import { useAuth } from "../auth/AuthContext";
import { OAuthButtons } from "../auth/OAuthButtons";
import { passwordValid } from "../auth/password";
import { PasswordField } from "../auth/PasswordField";
import { Field, FormError } from "../ui/forms";
import { PageTitle, PublicLayout } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

interface InviteLookup {
  account_name: string;
  inviter_name: string;
  invited_email: string;
  role: string;
}

export function AcceptInvitePage() {
  const [params] = useSearchParams();
  const code = params.get("code") ?? "";
  const lookup = useApi<InviteLookup>(code ? `/accounts/invites/${encodeURIComponent(code)}/lookup` : null, false);
  const config = usePublicConfig();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);

  if (lookup.loading) return <Loading />;
  if (!code || !lookup.data) {
    return (
      <PublicLayout>
        <PageTitle>Invitation</PageTitle>
        <p className="alert alert-error" role="alert">
          This invite is no longer valid. Ask your teammate to send a new one.
        </p>
        <Link to="/login">Sign in</Link>
      </PublicLayout>
    );
  }
  const invite = lookup.data;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!passwordValid(password)) {
      setError("The password does not meet the rules yet.");
      return;
    }
    setError(null);
    try {
      await api("/auth/register", {
        method: "POST",
        auth: false,
        body: { name, email: invite.invited_email, password, account_invite_code: code },
      });
      const pair = await api<TokenPair>("/auth/login/json", {
        method: "POST",
        auth: false,
        body: { email: invite.invited_email, password },
      });
      await signIn(pair);
      navigate("/");
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Something went wrong, please try again.");
    }
  }

  return (
    <PublicLayout>
      <PageTitle>Join {invite.account_name}</PageTitle>
      <p className="lede">
        {invite.inviter_name} invited you as {invite.role === "admin" ? "an" : "a"} {invite.role}.
      </p>
      <OAuthButtons providers={config.data?.oauth_providers ?? []} accountInviteCode={code} invitedEmail={invite.invited_email} />
      <form onSubmit={(event) => void submit(event)} className="stack">
        <FormError message={error} />
        <Field label="Email" name="email" type="email" value={invite.invited_email} readOnly aria-readonly="true" hint="The invite is for this address." />
        <Field label="Your name" name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <PasswordField value={password} onChange={setPassword} />
        <button type="submit" className="button">
          Join the team
        </button>
      </form>
      <p className="muted">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </PublicLayout>
  );
}
