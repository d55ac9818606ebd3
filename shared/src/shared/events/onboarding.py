"""Events onboarding publishes (including the sales lead)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.events.envelope import EventData


class ShopProfileUpdated(EventData):
    account_id: UUID
    company_name: str | None = None
    team_size_bucket: str | None = None
    primary_psa: str | None = None
    updated_by: UUID | None = None
    updated_at: datetime


class OnboardingStepCompleted(EventData):
    user_id: UUID
    account_id: UUID
    step: int
    action: Literal["complete", "skip"]
    onboarding_step_completed: int | None = None
    onboarding_dismissed: bool
    occurred_at: datetime


class OnboardingDismissed(EventData):
    user_id: UUID
    account_id: UUID
    onboarding_step_completed: int | None = None
    onboarding_dismissed: bool = True
    occurred_at: datetime


class SalesLeadCreated(EventData):
    lead_id: UUID
    email: str
    name: str
    company: str
    team_size: str | None = None
    message: str | None = None
    source: str
    posthog_distinct_id: str | None = None
    recipient_email: str
    created_at: datetime
