"""The guards of api.md §2, as pure functions of claims, snapshot and the current time."""

from datetime import datetime, timedelta

from gateway.access.errors import (
    EmailNotVerified,
    FeatureNotInPlan,
    NoSubscription,
    NotEnoughPermissions,
    SubscriptionInactive,
)
from gateway.entitlements.schemas import Snapshot, SnapshotSubscription
from shared.auth import AccessClaims, NoAccount

LIVE_STATUSES = frozenset({"active", "complimentary", "past_due"})


def is_live(subscription: SnapshotSubscription, now: datetime) -> bool:
    """Computed per request: a trial is live until its period end passes, nothing is rewritten."""
    if subscription.status in LIVE_STATUSES:
        return True
    end = subscription.current_period_end
    return subscription.status == "trialing" and end is not None and end > now


def require_account(claims: AccessClaims) -> None:
    if claims.account_id is None:
        raise NoAccount()


def require_super_admin(claims: AccessClaims) -> None:
    if not claims.is_super_admin:
        raise NotEnoughPermissions()


def require_active_subscription(snapshot: Snapshot | None, now: datetime) -> Snapshot:
    if snapshot is None:
        raise NoSubscription()
    subscription = snapshot.subscription
    if not is_live(subscription, now):
        raise SubscriptionInactive(
            status=subscription.status,
            plan=subscription.plan,
            current_period_end=subscription.current_period_end,
        )
    return snapshot


def require_verified_email_after_grace(claims: AccessClaims, now: datetime, grace_days: int) -> None:
    """Passes when verified, or before `user_created_at` + grace; claims only, no network call."""
    if claims.email_verified_at is not None:
        return
    created = claims.user_created_at
    grace_ends = created + timedelta(days=grace_days) if created is not None else None
    if grace_ends is not None and now < grace_ends:
        return
    raise EmailNotVerified(grace_ended_at=grace_ends)


def require_feature(snapshot: Snapshot, flag: str) -> None:
    """The snapshot's features are already resolved (override, else plan default, else false)."""
    if not snapshot.features.get(flag, False):
        raise FeatureNotInPlan(feature=flag, current_plan=snapshot.subscription.plan)
