"""Request and response models of subscription administration (api.md §4.5)."""

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from billing.subscriptions.schemas import SubscriptionState
from shared.api_types import IsoTime

Status = Literal["active", "trialing", "past_due", "canceled", "incomplete", "complimentary"]


class PlanAssignment(BaseModel):
    # any string: an unknown plan is a 400 `Invalid plan`, not a validation error
    plan: str


class PlanChanged(BaseModel):
    account_id: UUID
    old_plan: str
    new_plan: str


class SubscriptionPatch(BaseModel):
    """Any subset; `current_period_end` and `seat_limit` may be sent as null to clear them."""

    model_config = ConfigDict(extra="forbid")

    plan: str | None = None
    status: Status | None = None
    current_period_end: AwareDatetime | None = None
    seat_limit: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class AdminSubscriptionState(SubscriptionState):
    account_id: UUID


class BillingMetrics(BaseModel):
    accounts: int
    by_status: dict[str, int]
    by_plan: dict[str, int]
    paid_accounts: int
    trialing_live: int
    trials_expired: int
    complimentary: int
    mrr_cents: int
    trials_started_last_7d: int
    checkouts_completed_last_7d: int
    as_of: IsoTime
