import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError, type TokenPair } from "../api/client";
import { usePublicConfig } from "../api/hooks";
import type { User } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { OAuthButtons } from "../auth/OAuthButtons";
import { passwordValid } from "../auth/password";
import { PasswordField } from "../auth/PasswordField";
import { Field, FormError } from "../ui/forms";
import { PageTitle, PublicLayout } from "../ui/Layout";

export function RegisterPage() {
  const config = usePublicConfig();
  const [params] = useSearchParams();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [inviteCode, setInviteCode] = useState(params.get("invite_code") ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selfServe = config.data?.self_serve_enabled ?? true;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!passwordValid(password)) {
      setError("The password does not meet the rules yet.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api<User>("/auth/register", {
        method: "POST",
        auth: false,
        body: { name, email, password, invite_code: selfServe ? null : inviteCode.trim() || null },
      });
      const pair = await api<TokenPair>("/auth/login/json", { method: "POST", auth: false, body: { email, password } });
      await signIn(pair);
      navigate("/welcome");
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Something went wrong, please try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <PublicLayout>
      <PageTitle>Create your account</PageTitle>
      <p className="lede">Start with a 14-day Pro trial. No card needed.</p>
      <OAuthButtons providers={config.data?.oauth_providers ?? []} />
      {(config.data?.oauth_providers.length ?? 0) > 0 && <p className="divider">or with email</p>}
      <form onSubmit={(event) => void submit(event)} noValidate className="stack">
        <FormError message={error} />
        <Field label="Your name" name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Field label="Work email" name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <PasswordField value={password} onChange={setPassword} />
        {!selfServe && (
          <Field
            label="Invite code"
            name="invite_code"
            value={inviteCode}
            onChange={(e) => setInviteCode(e.target.value)}
            hint="Sign-up is by invitation right now: enter the code from your invitation if you have one."
          />
        )}
        <button type="submit" className="button" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p className="muted">
        Already have an account? <Link to="/login">Sign in</Link> · Buying for a larger team?{" "}
        <Link to="/contact-sales?from=register">Talk to sales</Link>
      </p>
    </PublicLayout>
  );
}
