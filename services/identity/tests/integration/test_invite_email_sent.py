"""Identity consumes `notifications.email.sent`: an invite's first email stamps `email_sent_at`."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from teams import invite, new_email, new_owner, rows

from shared.bus.broker import build_message
from shared.bus.tables import inbox
from shared.db import SessionFactory
from shared.events import EmailSent, Envelope
from shared.testing import poll


def email_sent(source_event_type: str, context: dict[str, Any], sent_at: datetime) -> Envelope:
    data = EmailSent(
        message_id=uuid.uuid4(),
        idempotency_key=f"account_invite:{uuid.uuid4()}",
        template="account_invite",
        to_email="someone@example.com",
        sent_at=sent_at,
        source_event_id=uuid.uuid4(),
        source_event_type=source_event_type,
        context=context,
    )
    return Envelope(
        id=uuid.uuid4(),
        type="notifications.email.sent",
        occurred_at=sent_at,
        producer="notifications",
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )


async def deliver(app: Any, db: SessionFactory, envelope: Envelope) -> None:
    """Publish to the real broker and wait until identity's inbox has committed the event."""
    await app.state.runtime.publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)

    async def handled() -> bool:
        async with db() as session:
            return await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == envelope.id)) is not None

    await poll(handled, message=f"identity handled {envelope.id}")


async def sent_at_of(db: SessionFactory, invite_id: str) -> datetime | None:
    [row] = await rows(db, "SELECT email_sent_at FROM account_invites WHERE id = :id", id=uuid.UUID(invite_id))
    found: datetime | None = row["email_sent_at"]
    return found


async def test_the_first_invite_email_sent_stamps_email_sent_at(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    created = await invite(client, owner, new_email())
    first = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)

    await deliver(app, db, email_sent("identity.invite.created", {"invite_id": created["id"]}, first))
    await deliver(app, db, email_sent("identity.invite.created", {"invite_id": created["id"]}, first + timedelta(1)))

    assert await sent_at_of(db, created["id"]) == first
    listed = (await client.get("/api/v1/accounts/me/invites", headers=owner.headers)).json()
    assert [i["email_sent_at"] for i in listed] == ["2026-05-06T12:00:00+00:00"]


async def test_a_resent_invites_email_stamps_the_new_invite(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    old = await invite(client, owner, new_email())
    new = (await client.post(f"/api/v1/accounts/me/invites/{old['id']}/resend", headers=owner.headers)).json()
    sent = datetime(2026, 5, 7, 8, 30, tzinfo=UTC)

    await deliver(app, db, email_sent("identity.invite.resent", {"invite_id": new["id"]}, sent))

    assert await sent_at_of(db, new["id"]) == sent
    assert await sent_at_of(db, old["id"]) is None


async def test_other_emails_and_unusable_contexts_change_no_invite(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    created = await invite(client, owner, new_email())
    sent = datetime(2026, 5, 8, tzinfo=UTC)

    await deliver(app, db, email_sent("identity.email_verification.requested", {"invite_id": created["id"]}, sent))
    await deliver(app, db, email_sent("identity.invite.created", {}, sent))
    await deliver(app, db, email_sent("identity.invite.created", {"invite_id": "not-a-uuid"}, sent))
    await deliver(app, db, email_sent("identity.invite.created", {"invite_id": str(uuid.uuid4())}, sent))

    assert await sent_at_of(db, created["id"]) is None
