import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError, type TokenPair } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { Notice } from "../ui/forms";
import { Loading } from "../ui/RequireAuth";
import { PageTitle, PublicLayout } from "../ui/Layout";

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const { signIn } = useAuth();
  const [outcome, setOutcome] = useState<"pending" | "verified" | "failed">("pending");
  const [error, setError] = useState<string | null>(null);
  const sent = useRef(false);

  useEffect(() => {
    if (sent.current) return; // tokens are single-use
    sent.current = true;
    const token = params.get("token");
    if (!token) {
      setOutcome("failed");
      setError("This link has no verification token.");
      return;
    }
    api<TokenPair & { already_verified: boolean }>("/auth/email/verify", { method: "POST", auth: false, body: { token } })
      .then(async (answer) => {
        // the answer carries a fresh session whose claims include the verification
        await signIn(answer);
        setOutcome("verified");
      })
      .catch((exc: unknown) => {
        setOutcome("failed");
        setError(exc instanceof ApiError ? exc.message : "Verification failed.");
      });
  }, [params, signIn]);

  return (
    <PublicLayout>
      <PageTitle>Verify your email</PageTitle>
      {outcome === "pending" && <Loading />}
      {outcome === "verified" && (
        <>
          <Notice>Your email is verified.</Notice>
          <Link className="button" to="/welcome">
            Continue
          </Link>
        </>
      )}
      {outcome === "failed" && (
        <>
          <p className="alert alert-error" role="alert">
            {error}
          </p>
          <p>
            Sign in and use “Resend the email” on your dashboard to get a new link. <Link to="/login">Sign in</Link>
          </p>
        </>
      )}
    </PublicLayout>
  );
}
