"""Events billing publishes."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.events.envelope import EventData


class SubscriptionChanged(EventData):
    account_id: UUID
    subscription_id: UUID
    plan: str
    status: str
    previous_plan: str | None = None
    previous_status: str | None = None
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    seat_limit: int | None = None
    stripe_subscription_id: str | None = None
    has_pro_entitlement: bool
    is_paid: bool
    billing_email: str | None = None
    reason: Literal["trial_started", "invite_plan", "stripe_webhook", "admin", "complimentary_backfill"]
    notify: bool = True
    changed_at: datetime


class TrialEnding(EventData):
    account_id: UUID
    plan: str
    current_period_end: datetime
    days_left: int
    billing_email: str | None = None
    upgrade_url: str


class PaymentFailed(EventData):
    account_id: UUID
    stripe_invoice_id: str
    stripe_subscription_id: str | None = None
    amount_due_cents: int
    currency: str
    attempt_count: int
    next_payment_attempt: datetime | None = None
    hosted_invoice_url: str | None = None
    billing_email: str | None = None
    update_url: str


class PlanCatalogChanged(EventData):
    plans: list[str] | None = None
    change: Literal["plan_limits", "plan_billing", "feature_default", "feature_flag", "stripe_sync"]
    changed_by: UUID | None = None


class FeatureOverridesChanged(EventData):
    account_id: UUID
    kind: Literal["feature", "limit"]
    flag_key: str | None = None
    enabled: bool | None = None
    changed_by: UUID | None = None
