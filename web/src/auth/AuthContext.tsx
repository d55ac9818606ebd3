import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, clearTokens, onSessionEnded, refreshSession, setTokens, storedRefreshToken, type TokenPair } from "../api/client";
import type { User } from "../api/types";

type Status = "loading" | "anonymous" | "authenticated";

interface AuthValue {
  status: Status;
  user: User | null;
  /** Store a token pair (login, OAuth callback, email verification) and load the user. */
  signIn: (pair: TokenPair) => Promise<User>;
  signOut: () => Promise<void>;
  reloadUser: () => Promise<User | null>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>("loading");
  const [user, setUser] = useState<User | null>(null);

  const reloadUser = useCallback(async () => {
    try {
      const me = await api<User>("/users/me");
      setUser(me);
      setStatus("authenticated");
      return me;
    } catch {
      clearTokens();
      setUser(null);
      setStatus("anonymous");
      return null;
    }
  }, []);

  useEffect(() => {
    // a reload: the access token is gone with the page, the refresh token is in this tab's sessionStorage
    if (storedRefreshToken()) {
      void refreshSession().then((ok) => {
        if (ok) void reloadUser();
        else setStatus("anonymous");
      });
    } else {
      setStatus("anonymous");
    }
    return onSessionEnded(() => {
      setUser(null);
      setStatus("anonymous");
    });
  }, [reloadUser]);

  const signIn = useCallback(
    async (pair: TokenPair) => {
      setTokens(pair);
      const me = await reloadUser();
      if (!me) throw new Error("Could not load your profile");
      return me;
    },
    [reloadUser],
  );

  const signOut = useCallback(async () => {
    const refresh_token = storedRefreshToken();
    try {
      await api("/auth/logout", { method: "POST", body: refresh_token ? { refresh_token } : {} });
    } catch {
      // the local session ends whatever the server said
    }
    clearTokens();
    setUser(null);
    setStatus("anonymous");
  }, []);

  const value = useMemo(() => ({ status, user, signIn, signOut, reloadUser }), [status, user, signIn, signOut, reloadUser]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
