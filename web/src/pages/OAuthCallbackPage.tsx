import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, ApiError, type TokenPair } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { providerName } from "../auth/OAuthButtons";
import { Loading } from "../ui/RequireAuth";
import { PageTitle, PublicLayout } from "../ui/Layout";

const MESSAGES: Record<string, string> = {
  oauth_state_invalid: "This sign-in link has expired. Please start again.",
  email_already_registered_use_login: "An account already exists for this email. Please sign in instead, then accept the invite from your dashboard.",
  invite_code_required: "Sign-up is by invitation right now.",
  invite_invalid_or_expired_or_revoked: "This invite is no longer valid.",
  invite_email_mismatch: "This invite was sent to a different email address.",
  oauth_email_not_verified: "Your provider has not verified this email address.",
};

export function OAuthCallbackPage() {
  const { provider = "" } = useParams();
  const [params] = useSearchParams();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const sent = useRef(false);

  useEffect(() => {
    if (sent.current) return; // the code is single-use
    sent.current = true;
    const code = params.get("code");
    if (!code) {
      setError(params.get("error_description") ?? "The provider did not return a sign-in code.");
      return;
    }
    api<TokenPair & { is_new_user: boolean }>(`/auth/${provider}/callback`, {
      method: "POST",
      auth: false,
      body: { code, state: params.get("state") },
    })
      .then(async (answer) => {
        const user = await signIn(answer);
        navigate(answer.is_new_user && (user.onboarding_step_completed ?? 0) < 3 ? "/welcome" : "/", { replace: true });
      })
      .catch((exc: unknown) => {
        setError(exc instanceof ApiError ? (MESSAGES[exc.code ?? ""] ?? exc.message) : "Sign-in failed.");
      });
  }, [params, provider, signIn, navigate]);

  return (
    <PublicLayout>
      <PageTitle>Signing in with {providerName(provider)}</PageTitle>
      {error ? (
        <>
          <p className="alert alert-error" role="alert">
            {error}
          </p>
          <Link to="/login">Back to sign in</Link>
        </>
      ) : (
        <Loading />
      )}
    </PublicLayout>
  );
}
