import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { api, ApiError, type TokenPair } from "../api/client";
import { usePublicConfig } from "../api/hooks";
import { useAuth } from "../auth/AuthContext";
import { OAuthButtons } from "../auth/OAuthButtons";
import { Field, FormError } from "../ui/forms";
import { PageTitle, PublicLayout } from "../ui/Layout";

/** Only same-site paths are followed after sign-in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const config = usePublicConfig();
  const { status, signIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [oauthOnly, setOauthOnly] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get("next"));

  if (status === "authenticated") return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setOauthOnly(null);
    try {
      const pair = await api<TokenPair>("/auth/login/json", { method: "POST", auth: false, body: { email, password } });
      await signIn(pair);
      navigate(next);
    } catch (exc) {
      if (exc instanceof ApiError && exc.code === "use_oauth_provider") {
        const providers = (exc.detail as { providers?: string[] }).providers ?? [];
        setOauthOnly(providers.length ? providers : (config.data?.oauth_providers ?? []));
      } else if (exc instanceof ApiError && exc.code === "too_many_attempts") {
        const wait = (exc.detail as { retry_after?: number }).retry_after;
        setError(`Too many attempts. Try again in ${wait ?? "a few"} seconds.`);
      } else {
        setError(exc instanceof ApiError ? exc.message : "Something went wrong, please try again.");
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <PublicLayout>
      <PageTitle>Sign in</PageTitle>
      {oauthOnly ? (
        <div className="alert alert-info" role="alert">
          <p>This account signs in with a provider, not a password.</p>
          <OAuthButtons providers={oauthOnly} verb="Sign in with" />
        </div>
      ) : (
        <OAuthButtons providers={config.data?.oauth_providers ?? []} verb="Sign in with" />
      )}
      <form onSubmit={(event) => void submit(event)} className="stack">
        <FormError message={error} />
        <Field label="Email" name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="button" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="muted">
        <Link to="/reset-password">Forgot your password?</Link> · New here? <Link to="/register">Create an account</Link>
      </p>
    </PublicLayout>
  );
}
