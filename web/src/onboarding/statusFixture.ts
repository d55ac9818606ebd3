import type { OnboardingStatus } from "../api/types";

/** An onboarding status for tests: nothing done, with `patch` applied. */
export function status(patch: Partial<OnboardingStatus> = {}): OnboardingStatus {
  return {
    created_flow: false,
    ran_session: false,
    exported_session: false,
    tried_ai_assistant: false,
    invited_teammate: false,
    connected_psa: false,
    is_team_user: false,
    dismissed: false,
    email_verified: false,
    shop_setup_done: false,
    onboarding_step_completed: null,
    ...patch,
  };
}
