from pydantic import BaseModel


class OnboardingStatus(BaseModel):
    created_flow: bool
    ran_session: bool
    exported_session: bool
    tried_ai_assistant: bool
    invited_teammate: bool
    connected_psa: bool
    is_team_user: bool
    dismissed: bool
    email_verified: bool
    shop_setup_done: bool
    onboarding_step_completed: int | None
