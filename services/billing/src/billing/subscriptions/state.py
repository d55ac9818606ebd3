"""The derived states of a subscription (data-model.md "Derived"): pure functions of the row and `now`."""

from datetime import datetime
from typing import Protocol

PAID_PLANS = frozenset({"starter", "pro", "enterprise"})


class SubscriptionTerms(Protocol):
    @property
    def plan(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def current_period_end(self) -> datetime | None: ...


def _trial_running(sub: SubscriptionTerms, now: datetime) -> bool:
    return sub.status == "trialing" and sub.current_period_end is not None and sub.current_period_end > now


def is_active(sub: SubscriptionTerms) -> bool:
    """Active, trialing or complimentary, whatever the period says."""
    return sub.status in {"active", "trialing", "complimentary"}


def is_paid(sub: SubscriptionTerms) -> bool:
    """Counts as revenue: a paid plan, active or past due (never a trial or a complimentary)."""
    return sub.plan in PAID_PLANS and sub.status in {"active", "past_due"}


def has_pro_entitlement(sub: SubscriptionTerms, now: datetime) -> bool:
    """A paid plan that is active, complimentary, or in a trial that has not ended."""
    return sub.plan in PAID_PLANS and (sub.status in {"active", "complimentary"} or _trial_running(sub, now))


def is_live(sub: SubscriptionTerms, now: datetime) -> bool:
    """The gateway's guard, any plan: past due still lets the account in; an ended trial does not."""
    return sub.status in {"active", "complimentary", "past_due"} or _trial_running(sub, now)
