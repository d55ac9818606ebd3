import type { OnboardingStatus } from "../api/types";

export interface ChecklistItem {
  key: string;
  label: string;
  done: boolean;
  href: string;
}

export interface NextStep {
  key: string;
  title: string;
  body: string;
  action: string;
  href: string;
}

/** The getting-started checklist, in the order the user should work through it. */
export function checklist(status: OnboardingStatus): ChecklistItem[] {
  return [
    { key: "shop_setup", label: "Set up your shop", done: status.shop_setup_done, href: "/welcome" },
    { key: "email_verified", label: "Verify your email", done: status.email_verified, href: "/" },
    { key: "created_flow", label: "Create your first flow", done: status.created_flow, href: "/" },
    { key: "ran_session", label: "Run a session", done: status.ran_session, href: "/" },
    { key: "exported_session", label: "Export a session", done: status.exported_session, href: "/" },
    { key: "invited_teammate", label: "Invite a teammate", done: status.invited_teammate, href: "/account/team" },
    { key: "connected_psa", label: "Connect your PSA", done: status.connected_psa, href: "/" },
  ];
}

const STEPS: Record<string, Omit<NextStep, "key">> = {
  shop_setup: {
    title: "Finish setting up your shop",
    body: "Tell us about your team so we can tailor the workspace.",
    action: "Continue setup",
    href: "/welcome",
  },
  email_verified: {
    title: "Verify your email",
    body: "Open the link we sent you to keep full access after the grace period.",
    action: "Resend the email",
    href: "#verify",
  },
  created_flow: {
    title: "Create your first flow",
    body: "Capture a troubleshooting procedure your team repeats.",
    action: "Create a flow",
    href: "/",
  },
  ran_session: {
    title: "Run a session",
    body: "Walk through a flow on a live ticket.",
    action: "Start a session",
    href: "/",
  },
  exported_session: {
    title: "Export a session",
    body: "Send a session's notes to your ticket.",
    action: "Export",
    href: "/",
  },
  invited_teammate: {
    title: "Invite a teammate",
    body: "Flows pay off when the whole team uses them.",
    action: "Invite people",
    href: "/account/team",
  },
  connected_psa: {
    title: "Connect your PSA",
    body: "Link tickets and sessions automatically.",
    action: "Connect",
    href: "/",
  },
};

/** The single most useful next thing to do, or null when the checklist is done or was dismissed. */
export function nextStep(status: OnboardingStatus): NextStep | null {
  if (status.dismissed) return null;
  const first = checklist(status).find((item) => !item.done);
  return first ? { key: first.key, ...STEPS[first.key] } : null;
}
