import { useState } from "react";
import { api, ApiError } from "../api/client";

const PROVIDER_NAMES: Record<string, string> = { google: "Google", microsoft: "Microsoft" };

export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

interface Props {
  providers: string[];
  verb?: string;
  accountInviteCode?: string;
  invitedEmail?: string;
}

/** "Continue with Google/Microsoft": asks the API for the authorization URL, then leaves for the provider. */
export function OAuthButtons({ providers, verb = "Continue with", accountInviteCode, invitedEmail }: Props) {
  const [error, setError] = useState<string | null>(null);
  if (providers.length === 0) return null;

  async function start(provider: string) {
    setError(null);
    const query = new URLSearchParams();
    if (accountInviteCode) query.set("account_invite_code", accountInviteCode);
    if (invitedEmail) query.set("invited_email", invitedEmail);
    const suffix = query.toString() ? `?${query}` : "";
    try {
      const { url } = await api<{ url: string; state: string }>(`/auth/${provider}/authorize${suffix}`, { auth: false });
      window.location.assign(url);
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "The sign-in provider is not reachable");
    }
  }

  return (
    <div className="oauth">
      {providers.map((provider) => (
        <button key={provider} type="button" className="button button-secondary" onClick={() => void start(provider)}>
          {verb} {providerName(provider)}
        </button>
      ))}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
