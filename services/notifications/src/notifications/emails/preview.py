"""`python -m notifications preview-emails`: every email rendered from realistic sample events, as the
handlers compose them, printed as subject plus the first lines of the plain-text body."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

from notifications.emails import events
from notifications.emails.rendering import RenderedEmail, Renderer
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

FRONTEND_URL = "https://app.example.com"
SAMPLE_TOKEN = "sample-token-Zx81"  # noqa: S105 — a placeholder shown in previews, not a secret
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
ACCOUNT = UUID("5f0c1c1e-7a47-4c3a-9f0e-1d2b3c4d5e6f")
USER = UUID("0b7e3a52-9d7c-4f2e-8a11-6c5d4e3f2a10")


def sample_requests() -> Iterator[EmailRequest | None]:
    """One request per template, composed by the same functions the event handlers use."""
    yield events.email_verification(
        EmailVerificationRequested(
            user_id=USER,
            email="dana@northwind-it.com",
            name="Dana Whitfield",
            verification_url=f"{FRONTEND_URL}/verify-email?token={SAMPLE_TOKEN}",
            expires_at=NOW + timedelta(hours=24),
            reason="register",
        ),
        FRONTEND_URL,
    )
    yield events.password_reset(
        PasswordResetRequested(
            user_id=USER,
            email="dana@northwind-it.com",
            name="Dana Whitfield",
            reset_url=f"{FRONTEND_URL}/reset-password?token={SAMPLE_TOKEN}",
            expires_at=NOW + timedelta(hours=1),
        ),
        FRONTEND_URL,
    )
    yield events.account_invite(
        InviteCreated(
            invite_id=UUID("9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
            account_id=ACCOUNT,
            account_name="Northwind IT Services",
            invited_by_id=USER,
            inviter_name="Dana Whitfield",
            email="sam.okafor@northwind-it.com",
            role="engineer",
            accept_url=f"{FRONTEND_URL}/accept-invite?code=K7QX2M9P",
            expires_at=NOW + timedelta(days=7),
        ),
        FRONTEND_URL,
    )
    yield events.platform_invite(
        InviteCodeCreated(
            invite_code_id=UUID("3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"),
            code="PILOT-7Q4K-2M9X",
            email="lee@contoso-msp.com",
            assigned_plan="pro",
            trial_duration_days=30,
            expires_at=NOW + timedelta(days=14),
            register_url=f"{FRONTEND_URL}/register?invite_code=PILOT-7Q4K-2M9X",
        ),
        FRONTEND_URL,
    )
    yield events.sales_lead_notification(
        SalesLeadCreated(
            lead_id=UUID("7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098"),
            email="morgan@fabrikam-tech.com",
            name="Morgan Reyes",
            company="Fabrikam Tech",
            team_size="11-50",
            message="We run 40 technicians across two sites and want to standardise our runbooks.",
            source="pricing_page",
            recipient_email="sales@example.com",
            created_at=NOW,
        ),
        FRONTEND_URL,
    )
    yield events.trial_ending(
        TrialEnding(
            account_id=ACCOUNT,
            plan="pro",
            current_period_end=NOW + timedelta(days=4),
            days_left=4,
            billing_email="dana@northwind-it.com",
            upgrade_url=f"{FRONTEND_URL}/account/billing/select-plan",
        ),
        FRONTEND_URL,
    )
    yield events.payment_failed(
        PaymentFailed(
            account_id=ACCOUNT,
            stripe_invoice_id="in_1QX7sample",
            amount_due_cents=14900,
            currency="usd",
            attempt_count=2,
            next_payment_attempt=NOW + timedelta(days=3),
            hosted_invoice_url="https://invoice.stripe.com/i/acct_sample/test_sample",
            billing_email="dana@northwind-it.com",
            update_url=f"{FRONTEND_URL}/account/billing",
        ),
        FRONTEND_URL,
    )
    yield events.complimentary_announcement(
        SubscriptionChanged(
            account_id=ACCOUNT,
            subscription_id=UUID("1d2c3b4a-5968-4776-8584-93a2b1c0d9e8"),
            plan="pro",
            status="complimentary",
            previous_plan="pro",
            previous_status="trialing",
            has_pro_entitlement=True,
            is_paid=False,
            billing_email="dana@northwind-it.com",
            reason="admin",
            changed_at=NOW,
        ),
        FRONTEND_URL,
    )


def rendered_samples(renderer: Renderer | None = None) -> list[tuple[EmailRequest, RenderedEmail]]:
    renderer = renderer or Renderer()
    samples = []
    for request in sample_requests():
        assert request is not None  # every sample is one that sends
        values = dict(request.values)
        if request.category == "reminders":
            values["unsubscribe_url"] = f"{FRONTEND_URL}/unsubscribe?token={SAMPLE_TOKEN}"
        samples.append((request, renderer.render(request.template, values)))
    return samples


def preview(lines: int = 5) -> str:
    blocks = []
    for request, email in rendered_samples():
        body = [line for line in email.text.splitlines() if line.strip()][:lines]
        header = f"== {request.template} → {request.to_email} ({request.category})"
        blocks.append("\n".join([header, f"Subject: {email.subject}", *(f"  {line}" for line in body)]))
    return "\n\n".join(blocks)
