import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gateway.access.errors import EmailNotVerified, FeatureNotInPlan, NoSubscription, SubscriptionInactive
from gateway.access.guards import (
    is_live,
    require_active_subscription,
    require_feature,
    require_verified_email_after_grace,
)
from gateway.entitlements.schemas import Snapshot, SnapshotSubscription
from shared.auth import AccessClaims

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def sub(status: str, end: datetime | None = None) -> SnapshotSubscription:
    return SnapshotSubscription(status=status, plan="pro", current_period_end=end)


def claims(*, verified: datetime | None = None, created: datetime | None = None) -> AccessClaims:
    return AccessClaims(
        user_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        account_role="owner",
        is_super_admin=False,
        email_verified_at=verified,
        user_created_at=created,
        jti="j",
        expires_at=0,
    )


@pytest.mark.parametrize(
    ("subscription", "live"),
    [
        (sub("active"), True),
        (sub("complimentary"), True),
        (sub("past_due", NOW - timedelta(days=3)), True),
        (sub("trialing", NOW + timedelta(seconds=1)), True),
        (sub("trialing", NOW), False),
        (sub("trialing", None), False),
        (sub("canceled", NOW + timedelta(days=3)), False),
        (sub("incomplete"), False),
    ],
)
def test_liveness_from_status_and_period_end(subscription: SnapshotSubscription, live: bool) -> None:
    assert is_live(subscription, NOW) is live


def test_no_snapshot_is_no_subscription() -> None:
    with pytest.raises(NoSubscription) as caught:
        require_active_subscription(None, NOW)
    assert caught.value.detail == {"error": "no_subscription", "upgrade_url": "/account/billing/select-plan"}


def test_ended_trial_is_inactive_with_its_status_plan_and_end() -> None:
    end = NOW - timedelta(hours=1)
    with pytest.raises(SubscriptionInactive) as caught:
        require_active_subscription(Snapshot(subscription=sub("trialing", end)), NOW)
    assert caught.value.status_code == 402
    assert caught.value.detail == {
        "error": "subscription_inactive",
        "status": "trialing",
        "plan": "pro",
        "current_period_end": end.isoformat(),
        "upgrade_url": "/account/billing/select-plan",
    }


def test_unverified_email_passes_within_grace_and_fails_after() -> None:
    require_verified_email_after_grace(claims(created=NOW - timedelta(days=6)), NOW, 7)
    require_verified_email_after_grace(claims(verified=NOW, created=NOW - timedelta(days=30)), NOW, 7)
    created = NOW - timedelta(days=8)
    with pytest.raises(EmailNotVerified) as caught:
        require_verified_email_after_grace(claims(created=created), NOW, 7)
    assert caught.value.detail["grace_ended_at"] == (created + timedelta(days=7)).isoformat()
    assert caught.value.detail["resend_url"] == "/api/v1/auth/email/send-verification"


def test_feature_must_resolve_true() -> None:
    snapshot = Snapshot(subscription=sub("active"), features={"analytics_dashboards": True, "psa_integration": False})
    require_feature(snapshot, "analytics_dashboards")
    for flag in ("psa_integration", "unknown_flag"):
        with pytest.raises(FeatureNotInPlan) as caught:
            require_feature(snapshot, flag)
        assert caught.value.detail["current_plan"] == "pro"
