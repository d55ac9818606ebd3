from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from billing.catalog.schemas import PlanBillingSummary, PlanLimitsSchema
from billing.usage.schemas import Usage


class SubscriptionState(BaseModel):
    status: str
    plan: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    seat_limit: int | None
    has_pro_entitlement: bool
    is_paid: bool


class SubscriptionDetail(SubscriptionState):
    id: UUID
    account_id: UUID
    created_at: datetime
    updated_at: datetime


class BillingState(BaseModel):
    subscription: SubscriptionState
    plan_billing: PlanBillingSummary | None
    plan_limits: PlanLimitsSchema
    enabled_features: dict[str, bool]


class AccountSubscription(BaseModel):
    subscription: SubscriptionDetail
    limits: PlanLimitsSchema
    usage: Usage
