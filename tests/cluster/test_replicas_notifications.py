"""Two notifications replicas on one database and queue: an admin's retry, asked of both at once and then
replayed, sends the email once."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import insert, select, text

from notifications.emails.models import EmailMessage
from shared.bus.broker import build_message
from shared.bus.tables import inbox
from shared.events import EmailRetryRequested, Envelope
from shared.testing import TestSigner, asgi_client, poll

from .conftest import RecordingSmtp, replicas


@pytest.fixture(scope="module")
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture(scope="module")
async def notifications_pair(
    notifications_database: str, environment: dict[str, str], signer: TestSigner
) -> AsyncIterator[list[FastAPI]]:
    from notifications.app import create_app

    async with replicas(create_app, service="notifications", environment=environment) as apps:
        for app in apps:
            app.state.token_verifier.keys = signer
        yield apps


async def failed_verification_email(app: FastAPI, to: str) -> uuid.UUID:
    """A verification email whose attempts all failed an hour ago (the provider was down)."""
    failed_at = datetime.now(UTC) - timedelta(hours=1)
    values = {
        "idempotency_key": f"email_verification:{uuid.uuid4()}",
        "event_id": uuid.uuid4(),
        "event_type": "identity.email_verification.requested",
        "template": "email_verification",
        "to_email": to,
        "subject": "Verify your email address",
        "status": "failed",
        "attempts": 5,
        "last_error": "SMTP connection refused",
        "created_at": failed_at,
        "updated_at": failed_at,
        "context": {
            "name": "Ada",
            "email": to,
            "verification_url": f"http://frontend.example.com/verify-email?token={uuid.uuid4().hex}",
            "expires_at": "tomorrow",
            "_event_context": {"user_id": str(uuid.uuid4())},
        },
    }
    async with app.state.runtime.factory() as session, session.begin():
        message_id: uuid.UUID = (
            await session.execute(insert(EmailMessage).values(values).returning(EmailMessage.id))
        ).scalar_one()
    return message_id


async def retry_requests(app: FastAPI, message_id: uuid.UUID) -> list[dict[str, object]]:
    async with app.state.runtime.factory() as session:
        rows = await session.execute(
            text(
                "SELECT envelope FROM outbox WHERE type = 'notifications.email.retry_requested'"
                " AND envelope -> 'data' ->> 'message_id' = :id"
            ),
            {"id": str(message_id)},
        )
        return [row[0] for row in rows]


async def status_of(app: FastAPI, message_id: uuid.UUID) -> str:
    async with app.state.runtime.factory() as session:
        status: str = await session.scalar(select(EmailMessage.status).where(EmailMessage.id == message_id))
        return status


def sent_total() -> float:
    return REGISTRY.get_sample_value("notifications_emails_sent_total", {"template": "email_verification"}) or 0.0


async def test_retry_asked_of_two_replicas_and_replayed_sends_the_email_once(
    notifications_pair: list[FastAPI], signer: TestSigner, smtp: tuple[RecordingSmtp, int]
) -> None:
    first, second = notifications_pair
    mailbox = smtp[0]
    to = f"user-{uuid.uuid4().hex[:12]}@example.com"
    message_id = await failed_verification_email(first, to)
    sent_before = sent_total()
    admin = {"Authorization": f"Bearer {signer.access_token(is_super_admin=True)}"}
    path = f"/api/v1/admin/notifications/{message_id}/retry"

    async with asgi_client(first, "notifications") as a, asgi_client(second, "notifications") as b:
        answers = await asyncio.gather(a.post(path, headers=admin), b.post(path, headers=admin))

    assert [r.status_code for r in answers] == [202, 202]
    [requested] = await retry_requests(first, message_id)

    async def sent() -> bool:
        return await status_of(first, message_id) == "sent"

    await poll(sent, timeout=15.0, message="retried email sent")
    # an operator replays the retry (say, from the dead-letter queue) as a new event: the message is
    # no longer queued, so neither replica sends it again
    replay = Envelope(
        id=uuid.uuid4(),
        type="notifications.email.retry_requested",
        occurred_at=datetime.now(UTC),
        producer="notifications",
        correlation_id="replay",
        data=EmailRetryRequested.model_validate(requested["data"]).model_dump(mode="json"),
    )
    await second.state.runtime.publisher.publish(build_message(replay.model_dump(mode="json"), {}), replay.type)

    async def replay_handled() -> bool:
        async with first.state.runtime.factory() as session:
            return await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == replay.id)) is not None

    await poll(replay_handled, timeout=15.0, message="replayed retry consumed")
    assert len(mailbox.to(to)) == 1
    assert await status_of(second, message_id) == "sent"
    assert sent_total() == sent_before + 1
