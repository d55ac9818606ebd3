import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { useAuth } from "../auth/AuthContext";
import { AppLayout } from "./Layout";

export function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

/** Signed-in pages: wait for the session to be restored, else go to /login and come back afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "loading") return <Loading />;
  if (status === "anonymous") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <AppLayout>{children}</AppLayout>;
}
