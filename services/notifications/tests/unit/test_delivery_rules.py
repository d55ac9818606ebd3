from datetime import UTC, datetime
from uuid import uuid4

import pytest

from notifications.emails import events
from notifications.emails.service import redact, valid_address
from notifications.settings import NotificationsSettings
from shared.events import InviteCodeCreated, SubscriptionChanged

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_token_bearing_links_are_redacted_but_keep_their_target() -> None:
    stored = redact(
        {
            "name": "Ada",
            "verification_url": "http://localhost:5173/verify-email?token=secret",
            "code": "ABCDEF123456",
            "expires_at": None,
        }
    )
    assert stored == {
        "name": "Ada",
        "verification_url": "http://localhost:5173/verify-email?token=redacted",
        "code": "redacted",
        "expires_at": None,
    }


@pytest.mark.parametrize("address", ["", None, "not-an-email", "a@b", "<x>@example.com"])
def test_unusable_recipients_are_refused(address: str | None) -> None:
    assert valid_address(address) is None


def test_a_good_recipient_is_normalized() -> None:
    assert valid_address("Ada@Example.COM") == "Ada@example.com"


def test_event_attempts_follow_email_max_attempts() -> None:
    settings = NotificationsSettings(internal_api_token="t", email_max_attempts=3, event_max_attempts=9)
    assert settings.event_max_attempts == 3


def test_resend_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="RESEND_API_KEY"):
        NotificationsSettings(internal_api_token="t", email_provider="resend")


def test_invite_code_without_email_sends_nothing() -> None:
    data = InviteCodeCreated(
        invite_code_id=uuid4(), code="C", assigned_plan="free", register_url="http://x/register?invite_code=C"
    )
    assert events.platform_invite(data, "http://x") is None


@pytest.mark.parametrize(
    ("status", "previous_status", "notify"),
    [("active", "trialing", True), ("complimentary", "complimentary", True), ("complimentary", "trialing", False)],
)
def test_only_entering_complimentary_with_notify_announces(status: str, previous_status: str, notify: bool) -> None:
    data = SubscriptionChanged(
        account_id=uuid4(),
        subscription_id=uuid4(),
        plan="pro",
        status=status,
        previous_status=previous_status,
        has_pro_entitlement=True,
        is_paid=False,
        billing_email="owner@example.com",
        reason="admin",
        notify=notify,
        changed_at=NOW,
    )
    assert events.complimentary_announcement(data, "http://x") is None
