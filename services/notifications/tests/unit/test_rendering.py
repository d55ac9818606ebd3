from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from notifications.emails import events
from notifications.emails.rendering import TEMPLATES, Renderer
from notifications.emails.service import EmailRequest
from shared.events import (
    EmailVerificationRequested,
    InviteCodeCreated,
    InviteCreated,
    PasswordResetRequested,
    PaymentFailed,
    SalesLeadCreated,
    SubscriptionChanged,
    TrialEnding,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FRONTEND = "http://localhost:5173"


def subscription_changed(**overrides: Any) -> SubscriptionChanged:
    fields: dict[str, Any] = {
        "account_id": uuid4(),
        "subscription_id": uuid4(),
        "plan": "pro",
        "status": "complimentary",
        "previous_status": "trialing",
        "has_pro_entitlement": True,
        "is_paid": False,
        "billing_email": "owner@example.com",
        "reason": "admin",
        "changed_at": NOW,
    }
    return SubscriptionChanged(**(fields | overrides))


def every_request() -> list[EmailRequest | None]:
    return [
        events.email_verification(
            EmailVerificationRequested(
                user_id=uuid4(),
                email="ada@example.com",
                name="Ada",
                verification_url=f"{FRONTEND}/verify-email?token=t1",
                expires_at=NOW,
                reason="register",
            ),
            FRONTEND,
        ),
        events.password_reset(
            PasswordResetRequested(
                user_id=uuid4(), email="ada@example.com", name="Ada", reset_url=f"{FRONTEND}/r?token=t", expires_at=NOW
            ),
            FRONTEND,
        ),
        events.account_invite(
            InviteCreated(
                invite_id=uuid4(),
                account_id=uuid4(),
                account_name="Acme IT",
                invited_by_id=uuid4(),
                inviter_name="Grace",
                email="new@example.com",
                role="engineer",
                accept_url=f"{FRONTEND}/accept-invite?code=c",
                expires_at=NOW,
            ),
            FRONTEND,
        ),
        events.platform_invite(
            InviteCodeCreated(
                invite_code_id=uuid4(),
                code="ABCDEF123456",
                email="vip@example.com",
                assigned_plan="pro",
                trial_duration_days=30,
                register_url=f"{FRONTEND}/register?invite_code=ABCDEF123456",
            ),
            FRONTEND,
        ),
        events.sales_lead_notification(
            SalesLeadCreated(
                lead_id=uuid4(),
                email="lead@example.com",
                name="Lin",
                company="Acme",
                source="pricing",
                recipient_email="sales@example.com",
                created_at=NOW,
            ),
            FRONTEND,
        ),
        events.trial_ending(
            TrialEnding(
                account_id=uuid4(),
                plan="pro",
                current_period_end=NOW,
                days_left=4,
                billing_email="owner@example.com",
                upgrade_url=f"{FRONTEND}/account/billing/select-plan",
            ),
            FRONTEND,
        ),
        events.payment_failed(
            PaymentFailed(
                account_id=uuid4(),
                stripe_invoice_id="in_1",
                amount_due_cents=4900,
                currency="usd",
                attempt_count=1,
                billing_email="owner@example.com",
                update_url=f"{FRONTEND}/account/billing",
            ),
            FRONTEND,
        ),
        events.complimentary_announcement(subscription_changed(), FRONTEND),
    ]


EXPECTED_SUBJECTS = {
    "email_verification": "Verify your email address",
    "password_reset": "Reset your password",
    "account_invite": "You're invited to join Acme IT",
    "platform_invite": "Your invitation code",
    "sales_lead_notification": "[Sales] New lead — Acme (lead@example.com)",
    "trial_ending": "Your trial ends in 4 days",
    "payment_failed": "Payment failed — update your card",
    "complimentary_announcement": "Your account is now Complimentary Pro",
}


@pytest.mark.parametrize("request_", every_request(), ids=lambda r: r.template if r else "none")
def test_every_template_renders_with_the_subject_of_the_spec(request_: EmailRequest | None) -> None:
    assert request_ is not None
    values = dict(request_.values)
    if request_.category == "reminders":
        values["unsubscribe_url"] = f"{FRONTEND}/unsubscribe?token=u"
    rendered = Renderer().render(request_.template, values)
    assert rendered.subject == EXPECTED_SUBJECTS[request_.template]
    assert rendered.text.strip()
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")


def test_every_template_of_the_spec_exists() -> None:
    assert {r.template for r in every_request() if r is not None} == TEMPLATES == set(EXPECTED_SUBJECTS)


def test_a_hostile_name_is_escaped_in_html_and_kept_literal_in_text() -> None:
    values = {
        "name": "<script>alert(1)</script>",
        "email": "ada@example.com",
        "verification_url": 'http://x/verify?token=a"b',
        "expires_at": "soon",
    }
    rendered = Renderer().render("email_verification", values)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert 'href="http://x/verify?token=a&#34;b"' in rendered.html
    assert "Hi <script>alert(1)</script>," in rendered.text


def test_a_value_cannot_break_the_subject_line() -> None:
    subject = Renderer().subject("account_invite", {"account_name": "Acme\r\nBcc: victim@example.com"})
    assert "\n" not in subject
    assert "\r" not in subject


def test_trial_ending_one_day_left_reads_tomorrow() -> None:
    assert Renderer().subject("trial_ending", {"days_left": 1}) == "Your trial ends tomorrow"


def test_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown email template"):
        Renderer().subject("nope", {})
