import { useEffect, useRef, type ReactNode } from "react";
import { Link, NavLink, useLocation } from "react-router-dom";
import { useBillingState } from "../api/hooks";
import { useAuth } from "../auth/AuthContext";
import { TrialPill } from "../billing/TrialPill";

/** Moves focus to the page heading after each navigation, so keyboard and screen-reader users land on the page. */
function useFocusOnNavigate() {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [location.pathname]);
}

export function PublicLayout({ children }: { children: ReactNode }) {
  useFocusOnNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Platform
        </Link>
        <nav aria-label="Site">
          <Link to="/pricing">Pricing</Link>
          <Link to="/contact-sales">Contact sales</Link>
          <Link to="/login">Sign in</Link>
        </nav>
      </header>
      <main id="main" className="narrow">
        {children}
      </main>
    </>
  );
}

export function AppLayout({ children }: { children: ReactNode }) {
  useFocusOnNavigate();
  const { user, signOut } = useAuth();
  const billing = useBillingState();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Platform
        </Link>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Dashboard
          </NavLink>
          <NavLink to="/account/team">Team</NavLink>
          <NavLink to="/account/billing" end>
            Billing
          </NavLink>
        </nav>
        <div className="topbar-end">
          {billing.data && <TrialPill state={billing.data} />}
          <span className="who" title={user?.email}>
            {user?.name}
          </span>
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{children}</main>
    </>
  );
}

export function PageTitle({ children }: { children: ReactNode }) {
  useEffect(() => {
    document.title = `${typeof children === "string" ? children : "Platform"} · Platform`;
  }, [children]);
  return <h1 tabIndex={-1}>{children}</h1>;
}
