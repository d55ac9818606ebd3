"""Handlers of the events notifications consumes (events.md §4): each names the email it asks for.
Plus the one event notifications sends itself: an admin's retry of a message (`EmailRetryRequested`)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.emails.service import Courier, EmailRequest
from shared.bus.consumer import Handler
from shared.events import (
    EmailRetryRequested,
    EmailVerificationRequested,
    Envelope,
    EventData,
    InviteCodeCreated,
    InviteCreated,
    InviteResent,
    PasswordResetRequested,
    PaymentFailed,
    SalesLeadCreated,
    SubscriptionChanged,
    TrialEnding,
)

D = TypeVar("D", bound=EventData)

RETRY_REQUESTED = "notifications.email.retry_requested"


def when(moment: datetime | None) -> str | None:
    """How a time reads in an email (UTC, to the minute)."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else None


def email_verification(data: EmailVerificationRequested, frontend_url: str) -> EmailRequest:
    return EmailRequest(
        template="email_verification",
        to_email=data.email,
        values={
            "name": data.name,
            "email": data.email,
            "verification_url": data.verification_url,
            "expires_at": when(data.expires_at),
        },
        event_context={"user_id": str(data.user_id)},
    )


def password_reset(data: PasswordResetRequested, frontend_url: str) -> EmailRequest:
    return EmailRequest(
        template="password_reset",
        to_email=data.email,
        values={"name": data.name, "reset_url": data.reset_url, "expires_at": when(data.expires_at)},
        event_context={"user_id": str(data.user_id)},
    )


def account_invite(data: InviteCreated, frontend_url: str) -> EmailRequest:
    return EmailRequest(
        template="account_invite",
        to_email=data.email,
        values={
            "invite_id": str(data.invite_id),
            "account_name": data.account_name,
            "inviter_name": data.inviter_name,
            "role": data.role,
            "accept_url": data.accept_url,
            "expires_at": when(data.expires_at),
        },
        event_context={"invite_id": str(data.invite_id)},
    )


def platform_invite(data: InviteCodeCreated, frontend_url: str) -> EmailRequest | None:
    if data.email is None:
        return None  # a code without an email is handed out by hand
    return EmailRequest(
        template="platform_invite",
        to_email=data.email,
        values={
            "code": data.code,
            "assigned_plan": data.assigned_plan,
            "trial_duration_days": data.trial_duration_days,
            "register_url": data.register_url,
            "expires_at": when(data.expires_at),
        },
        event_context={"invite_code_id": str(data.invite_code_id)},
    )


def sales_lead_notification(data: SalesLeadCreated, frontend_url: str) -> EmailRequest:
    return EmailRequest(
        template="sales_lead_notification",
        to_email=data.recipient_email,
        reply_to=data.email,
        values={
            "lead_id": str(data.lead_id),
            "name": data.name,
            "email": data.email,
            "company": data.company,
            "team_size": data.team_size,
            "message": data.message,
            "source": data.source,
        },
        event_context={"lead_id": str(data.lead_id)},
    )


def trial_ending(data: TrialEnding, frontend_url: str) -> EmailRequest:
    return EmailRequest(
        template="trial_ending",
        to_email=data.billing_email,
        category="reminders",
        values={
            "plan": data.plan,
            "days_left": data.days_left,
            "current_period_end": when(data.current_period_end),
            "upgrade_url": data.upgrade_url,
        },
        event_context={"account_id": str(data.account_id), "days_left": data.days_left},
    )


def payment_failed(data: PaymentFailed, frontend_url: str) -> EmailRequest:
    return EmailRequest(
        template="payment_failed",
        to_email=data.billing_email,
        values={
            "amount_due": f"{data.amount_due_cents / 100:.2f} {data.currency.upper()}",
            "attempt_count": data.attempt_count,
            "next_payment_attempt": when(data.next_payment_attempt),
            "hosted_invoice_url": data.hosted_invoice_url,
            "update_url": data.update_url,
        },
        event_context={"account_id": str(data.account_id), "stripe_invoice_id": data.stripe_invoice_id},
    )


def complimentary_announcement(data: SubscriptionChanged, frontend_url: str) -> EmailRequest | None:
    entered = data.status == "complimentary" and data.previous_status != "complimentary"
    if not (entered and data.notify):
        return None
    return EmailRequest(
        template="complimentary_announcement",
        to_email=data.billing_email,
        values={"plan": data.plan, "account_url": f"{frontend_url.rstrip('/')}/account/billing"},
        event_context={"account_id": str(data.account_id)},
    )


def handler(courier: Courier, model: type[D], compose: Callable[[D, str], EmailRequest | None]) -> Handler[D]:
    """A consumer handler that sends the email `compose` asks for (if any) through `courier`."""

    async def apply(session: AsyncSession, envelope: Envelope, data: D) -> None:
        request = compose(data, courier.settings.frontend_url)
        if request is not None:
            await courier.deliver(session, envelope, request)

    return Handler(model, apply)


def retry_handler(courier: Courier) -> Handler[EmailRetryRequested]:
    async def apply(session: AsyncSession, envelope: Envelope, data: EmailRetryRequested) -> None:
        await courier.redeliver(session, data.message_id)

    return Handler(EmailRetryRequested, apply)


def build_handlers(courier: Courier) -> dict[str, Handler[Any]]:
    return {
        RETRY_REQUESTED: retry_handler(courier),
        "identity.email_verification.requested": handler(courier, EmailVerificationRequested, email_verification),
        "identity.password_reset.requested": handler(courier, PasswordResetRequested, password_reset),
        "identity.invite.created": handler(courier, InviteCreated, account_invite),
        "identity.invite.resent": handler(courier, InviteResent, account_invite),
        "identity.invite_code.created": handler(courier, InviteCodeCreated, platform_invite),
        "sales.lead.created": handler(courier, SalesLeadCreated, sales_lead_notification),
        "billing.trial.ending": handler(courier, TrialEnding, trial_ending),
        "billing.payment.failed": handler(courier, PaymentFailed, payment_failed),
        "billing.subscription.changed": handler(courier, SubscriptionChanged, complimentary_announcement),
    }
