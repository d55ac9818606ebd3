import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from messages import address, envelope_of, message_row, outbox_events, publish, queue_depth, verification_requested
from sqlalchemy import text

from notifications.emails.events import email_verification
from notifications.emails.models import EmailMessage
from notifications.emails.providers import SmtpProvider, TransientProviderError
from notifications.emails.service import Courier
from shared.events import EmailVerificationRequested, TrialEnding
from shared.testing import RecordingSmtp, free_port, poll


async def test_verification_requested_sends_the_verification_email(app: Any, mailbox: RecordingSmtp) -> None:
    to = address()
    event = verification_requested(to)
    await publish(app, event)

    async def received() -> list[Any] | None:
        return mailbox.to(to) or None

    [mail] = await poll(received, message="verification email received")
    assert mail["Subject"] == "Verify your email address"
    assert mail["From"] == "Platform <no-reply@example.com>"
    url = event.data["verification_url"]
    assert url in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert url in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]

    async def sent_row() -> EmailMessage | None:
        row = await message_row(app, f"email_verification:{event.id}")
        return row if row is not None and row.status == "sent" else None

    row = await sent_row() or await poll(sent_row, message="row marked sent")
    assert row.to_email == to
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.provider_message_id == mail["Message-ID"]
    assert row.context["verification_url"] == "http://localhost:5173/verify-email?token=redacted"
    [sent] = await outbox_events(app, "notifications.email.sent", event.id)
    assert sent["causation_id"] == str(event.id)
    assert sent["data"]["template"] == "email_verification"
    assert sent["data"]["to_email"] == to
    assert sent["data"]["message_id"] == str(row.id)
    assert sent["data"]["source_event_type"] == "identity.email_verification.requested"


async def test_same_event_delivered_twice_sends_one_email(app: Any, mailbox: RecordingSmtp) -> None:
    to = address()
    event = verification_requested(to)
    await publish(app, event)
    await publish(app, event)

    async def sent() -> EmailMessage | None:
        row = await message_row(app, f"email_verification:{event.id}")
        return row if row is not None and row.status == "sent" else None

    await poll(sent, message="first delivery sent")
    consumer = app.state.runtime.consumer
    handler = consumer.handlers[event.type]
    data = handler.model.model_validate(event.data)
    # a redelivery after the inbox forgot the event (replay, pruned inbox) is stopped by the idempotency key
    assert await consumer.apply(event, handler, data) is False
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(text("DELETE FROM inbox WHERE event_id = :id"), {"id": event.id})
    assert await consumer.apply(event, handler, data) is True

    assert len(mailbox.to(to)) == 1
    assert len(await outbox_events(app, "notifications.email.sent", event.id)) == 1


async def test_smtp_down_counts_the_attempt_and_retries_later(app: Any, mailbox: RecordingSmtp) -> None:
    courier: Courier = app.state.courier
    working = courier.provider
    courier.provider = SmtpProvider(host="127.0.0.1", port=free_port())
    to = address()
    event = verification_requested(to)
    key = f"email_verification:{event.id}"
    try:
        await publish(app, event)

        async def failed_once() -> EmailMessage | None:
            row = await message_row(app, key)
            return row if row is not None and row.last_error else None

        row = await poll(failed_once, message="failed attempt recorded")
        assert row.status == "queued"
        assert row.attempts == 1
        assert "smtp" in (row.last_error or "")
        names = app.state.runtime.names

        async def waiting_for_retry() -> bool:
            return await queue_depth(app, names.retry_queue("notifications", "5s")) == 1

        await poll(waiting_for_retry, message="event parked in the 5s retry queue")
    finally:
        courier.provider = working

    async def sent() -> EmailMessage | None:
        row = await message_row(app, key)
        return row if row is not None and row.status == "sent" else None

    row = await poll(sent, timeout=30, message="retried delivery sent")
    assert row.attempts == 2
    assert len(mailbox.to(to)) == 1


async def test_last_allowed_attempt_marks_the_email_failed(app: Any) -> None:
    runtime = app.state.runtime
    working: Courier = app.state.courier
    settings = working.settings.model_copy(update={"email_max_attempts": 2})
    courier = Courier(
        settings=settings,
        provider=SmtpProvider(host="127.0.0.1", port=free_port()),
        renderer=working.renderer,
        clock=working.clock,
        outbox=working.outbox,
        bookkeeping=runtime.factory,
    )
    event = verification_requested(address())
    data = EmailVerificationRequested.model_validate(event.data)
    for _ in range(2):
        with pytest.raises(TransientProviderError):
            async with runtime.factory() as session, session.begin():
                await courier.deliver(session, event, email_verification(data, settings.frontend_url))

    row = await message_row(app, f"email_verification:{event.id}")
    assert row is not None
    assert (row.status, row.attempts) == ("failed", 2)
    # and the consumer dead-letters the event after the same number of deliveries
    assert runtime.consumer.max_attempts == working.settings.email_max_attempts == 5
    [failed] = await outbox_events(app, "notifications.email.failed", event.id)
    assert failed["data"]["attempts"] == 2
    assert failed["data"]["last_error"] == row.last_error


async def test_invalid_recipient_fails_at_once_without_retry(app: Any) -> None:
    event = verification_requested("not-an-email")
    await publish(app, event)

    async def failed() -> EmailMessage | None:
        row = await message_row(app, f"email_verification:{event.id}")
        return row if row is not None and row.status == "failed" else None

    row = await poll(failed, message="invalid recipient logged failed")
    assert row.last_error == "invalid_recipient"
    assert row.attempts == 0
    [failure] = await outbox_events(app, "notifications.email.failed", event.id)
    assert failure["data"]["last_error"] == "invalid_recipient"
    async with app.state.runtime.factory() as session:
        processed = await session.execute(text("SELECT 1 FROM inbox WHERE event_id = :id"), {"id": event.id})
        assert processed.first() is not None  # acknowledged as done: no retry


async def test_trial_reminder_carries_one_click_unsubscribe(app: Any, mailbox: RecordingSmtp) -> None:
    to = address()
    event = envelope_of(
        "billing.trial.ending",
        TrialEnding(
            account_id=uuid.uuid4(),
            plan="pro",
            current_period_end=datetime.now(UTC) + timedelta(days=1),
            days_left=1,
            billing_email=to,
            upgrade_url="http://localhost:5173/account/billing/select-plan",
        ),
    )
    await publish(app, event)

    async def received() -> list[Any] | None:
        return mailbox.to(to) or None

    [mail] = await poll(received, message="trial reminder received")
    assert mail["Subject"] == "Your trial ends tomorrow"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = await poll(lambda: message_row(app, f"trial_ending:{event.id}"), message="row")
    assert row.category == "reminders"
    assert mail["List-Unsubscribe"] == f"<http://localhost:8000/api/v1/email/unsubscribe?token={row.unsubscribe_token}>"


async def test_reminder_to_a_suppressed_address_is_not_sent(app: Any, mailbox: RecordingSmtp) -> None:
    to = address()
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(
            text("INSERT INTO email_suppressions (email, category) VALUES (:email, 'reminders')"), {"email": to}
        )
    event = envelope_of(
        "billing.trial.ending",
        TrialEnding(
            account_id=uuid.uuid4(),
            plan="pro",
            current_period_end=datetime.now(UTC) + timedelta(days=4),
            days_left=4,
            billing_email=to,
            upgrade_url="http://localhost:5173/account/billing/select-plan",
        ),
    )
    await publish(app, event)

    async def failed() -> EmailMessage | None:
        row = await message_row(app, f"trial_ending:{event.id}")
        return row if row is not None and row.status == "failed" else None

    row = await poll(failed, message="suppressed reminder logged")
    assert row.last_error == "suppressed"
    assert mailbox.to(to) == []
    assert await outbox_events(app, "notifications.email.failed", event.id) == []
