from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
TeamSizeBucket = Literal["1-2", "3-5", "6-10", "11-25", "26+"]
RoleAtSignup = Literal["owner", "lead_tech", "tech", "other"]
PrimaryPsa = Literal["connectwise", "autotask", "halopsa", "none"]


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


class StepData(BaseModel):
    company_name: CompanyName | None = None
    team_size_bucket: TeamSizeBucket | None = None
    role_at_signup: RoleAtSignup | None = None
    primary_psa: PrimaryPsa | None = None


class StepUpdate(BaseModel):
    step: Literal[1, 2, 3]
    action: Literal["complete", "skip"]
    data: StepData | None = None


class WizardState(BaseModel):
    onboarding_step_completed: int | None
    onboarding_dismissed: bool
