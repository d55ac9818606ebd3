import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { passwordValid } from "../auth/password";
import { PasswordField } from "../auth/PasswordField";
import { Field, FormError, Notice } from "../ui/forms";
import { PageTitle, PublicLayout } from "../ui/Layout";

/** Without a token: ask for the reset email. With `?token=`: choose the new password. */
export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token");
  return <PublicLayout>{token ? <NewPasswordForm token={token} /> : <ForgotForm />}</PublicLayout>;
}

function ForgotForm() {
  const [email, setEmail] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api<{ message: string }>("/auth/password/forgot", { method: "POST", auth: false, body: { email } });
      setMessage(answer.message);
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Something went wrong, please try again.");
    }
  }

  return (
    <>
      <PageTitle>Reset your password</PageTitle>
      {message ? (
        <Notice>{message}</Notice>
      ) : (
        <form onSubmit={(event) => void submit(event)} className="stack">
          <FormError message={error} />
          <Field label="Email" name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <button type="submit" className="button">
            Send reset link
          </button>
        </form>
      )}
      <p className="muted">
        <Link to="/login">Back to sign in</Link>
      </p>
    </>
  );
}

function NewPasswordForm({ token }: { token: string }) {
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!passwordValid(password)) {
      setError("The password does not meet the rules yet.");
      return;
    }
    setError(null);
    try {
      await api("/auth/password/reset", { method: "POST", auth: false, body: { token, new_password: password } });
      setDone(true);
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Something went wrong, please try again.");
    }
  }

  return (
    <>
      <PageTitle>Choose a new password</PageTitle>
      {done ? (
        <>
          <Notice>Your password has been reset.</Notice>
          <Link className="button" to="/login">
            Sign in
          </Link>
        </>
      ) : (
        <form onSubmit={(event) => void submit(event)} className="stack">
          <FormError message={error} />
          <PasswordField label="New password" value={password} onChange={setPassword} />
          <button type="submit" className="button">
            Set new password
          </button>
        </form>
      )}
    </>
  );
}
