from uuid import UUID

from pydantic import BaseModel

from billing.catalog.schemas import PlanBillingSummary, PlanLimitsSchema
from billing.usage.schemas import Usage
from shared.api_types import IsoTime


class SubscriptionState(BaseModel):
    status: str
    plan: str
    current_period_start: IsoTime | None
    current_period_end: IsoTime | None
    cancel_at_period_end: bool
    seat_limit: int | None
    has_pro_entitlement: bool
    is_paid: bool


class SubscriptionDetail(SubscriptionState):
    id: UUID
    account_id: UUID
    created_at: IsoTime
    updated_at: IsoTime


class BillingState(BaseModel):
    subscription: SubscriptionState
    plan_billing: PlanBillingSummary | None
    plan_limits: PlanLimitsSchema
    enabled_features: dict[str, bool]


class AccountSubscription(BaseModel):
    subscription: SubscriptionDetail
    limits: PlanLimitsSchema
    usage: Usage
