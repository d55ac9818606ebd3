"""Sample events for the tests, and the stored effects they look at (rows, outbox, queues)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
from sqlalchemy import select, text

from notifications.emails.models import EmailMessage
from shared.bus.broker import build_message
from shared.events import EmailVerificationRequested, Envelope, EventData, TrialEnding


def envelope_of(event_type: str, data: EventData) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=event_type,
        occurred_at=datetime.now(UTC),
        producer="identity",
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )


def verification_requested(email: str, name: str = "Ada") -> Envelope:
    token = uuid.uuid4().hex
    return envelope_of(
        "identity.email_verification.requested",
        EmailVerificationRequested(
            user_id=uuid.uuid4(),
            email=email,
            name=name,
            verification_url=f"http://localhost:5173/verify-email?token={token}",
            expires_at=datetime.now(UTC) + timedelta(hours=24),
            reason="register",
        ),
    )


def address() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def publish(app: Any, envelope: Envelope) -> None:
    runtime = app.state.runtime
    await runtime.publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)


async def message_row(app: Any, key: str) -> EmailMessage | None:
    async with app.state.runtime.factory() as session:
        row: EmailMessage | None = (
            await session.execute(select(EmailMessage).where(EmailMessage.idempotency_key == key))
        ).scalar_one_or_none()
        return row


async def outbox_events(app: Any, event_type: str, source_event_id: uuid.UUID) -> list[dict[str, Any]]:
    async with app.state.runtime.factory() as session:
        rows = await session.execute(
            text(
                "SELECT envelope FROM outbox WHERE type = :type AND envelope -> 'data' ->> 'source_event_id' = :source"
            ),
            {"type": event_type, "source": str(source_event_id)},
        )
        return [row[0] for row in rows]


async def queue_depth(app: Any, queue: str) -> int:
    connection = await aio_pika.connect(app.state.runtime.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)


def trial_ending(to: str, days_left: int = 4) -> Envelope:
    return envelope_of(
        "billing.trial.ending",
        TrialEnding(
            account_id=uuid.uuid4(),
            plan="pro",
            current_period_end=datetime.now(UTC) + timedelta(days=days_left),
            days_left=days_left,
            billing_email=to,
            upgrade_url="http://localhost:5173/account/billing/select-plan",
        ),
    )


async def message_by_id(app: Any, message_id: uuid.UUID) -> EmailMessage | None:
    async with app.state.runtime.factory() as session:
        row: EmailMessage | None = (
            await session.execute(select(EmailMessage).where(EmailMessage.id == message_id))
        ).scalar_one_or_none()
        return row


async def status_of(app: Any, key: str, status: str) -> EmailMessage | None:
    """The row of `key` once it has `status` (a probe for `poll`)."""
    row = await message_row(app, key)
    return row if row is not None and row.status == status else None
