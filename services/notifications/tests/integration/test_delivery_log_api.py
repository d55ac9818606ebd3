"""GET /api/v1/admin/notifications and POST .../{message_id}/retry (api.md §6)."""

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from messages import (
    address,
    message_by_id,
    message_row,
    outbox_events,
    publish,
    status_of,
    verification_requested,
)
from sqlalchemy import insert, text, update

from notifications.emails.events import email_verification
from notifications.emails.models import EmailMessage
from notifications.emails.providers import OutgoingEmail, SmtpProvider, TransientProviderError
from notifications.emails.service import Courier
from shared.events import EmailVerificationRequested, Envelope
from shared.testing import RecordingSmtp, TestSigner, free_port, poll

LIST = "/api/v1/admin/notifications"


def admin(signer: TestSigner, user_id: uuid.UUID | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.access_token(user_id=user_id, is_super_admin=True)}"}


def shop_owner(signer: TestSigner) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.access_token(account_id=uuid.uuid4())}"}


async def insert_message(app: Any, to: str, created_at: datetime, **fields: Any) -> uuid.UUID:
    values: dict[str, Any] = {
        "idempotency_key": f"email_verification:{uuid.uuid4()}",
        "event_id": uuid.uuid4(),
        "event_type": "identity.email_verification.requested",
        "template": "email_verification",
        "to_email": to,
        "subject": "Verify your email address",
        "status": "sent",
        "attempts": 1,
        "created_at": created_at,
        "sent_at": created_at,
        "provider_message_id": f"<{uuid.uuid4().hex}@example.com>",
    }
    async with app.state.runtime.factory() as session, session.begin():
        inserted = await session.execute(insert(EmailMessage).values(values | fields).returning(EmailMessage.id))
        message_id: uuid.UUID = inserted.scalar_one()
        return message_id


async def failed_for_good(app: Any, event: Envelope) -> EmailMessage:
    """Deliver `event` through an SMTP server that is down, with one attempt allowed: the row is `failed`."""
    runtime = app.state.runtime
    working: Courier = app.state.courier
    courier = Courier(
        settings=working.settings.model_copy(update={"email_max_attempts": 1}),
        provider=SmtpProvider(host="127.0.0.1", port=free_port()),
        renderer=working.renderer,
        clock=working.clock,
        outbox=working.outbox,
        bookkeeping=runtime.factory,
    )
    data = EmailVerificationRequested.model_validate(event.data)
    with pytest.raises(TransientProviderError):
        async with runtime.factory() as session, session.begin():
            await courier.deliver(session, event, email_verification(data, working.settings.frontend_url))
    row = await message_row(app, f"email_verification:{event.id}")
    assert row is not None
    assert row.status == "failed"
    return row


async def retry_events(app: Any, message_id: uuid.UUID) -> list[dict[str, Any]]:
    async with app.state.runtime.factory() as session:
        rows = await session.execute(
            text(
                "SELECT envelope FROM outbox WHERE type = 'notifications.email.retry_requested'"
                " AND envelope -> 'data' ->> 'message_id' = :id"
            ),
            {"id": str(message_id)},
        )
        return [row[0] for row in rows]


# --- the delivery log ---


async def test_delivery_log_lists_newest_first_with_every_field(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    to = address()
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    older = await insert_message(app, to, start)
    newer = await insert_message(
        app, to, start + timedelta(minutes=1), status="failed", sent_at=None, last_error="invalid_recipient"
    )

    response = await client.get(LIST, params={"to_email": to.upper()}, headers=admin(signer))

    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [str(newer), str(older)]
    assert body["next_cursor"] is None
    first = body["items"][0]
    assert set(first) == {
        "id", "template", "to_email", "reply_to", "subject", "status", "attempts", "last_error",
        "provider_message_id", "event_id", "created_at", "sent_at",
    }  # fmt: skip
    assert (first["status"], first["last_error"], first["sent_at"]) == ("failed", "invalid_recipient", None)
    assert first["created_at"] == "2026-11-20T12:01:00+00:00"
    assert body["items"][1]["sent_at"] == "2026-11-20T12:00:00+00:00"


async def test_delivery_log_filters_by_status_template_and_recipient(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    to = address()
    now = datetime.now(UTC)
    sent = await insert_message(app, to, now)
    failed = await insert_message(app, to, now, status="failed", sent_at=None)
    reset = await insert_message(app, to, now, template="password_reset", subject="Reset your password")
    await insert_message(app, address(), now)

    async def ids(**params: str) -> set[str]:
        response = await client.get(LIST, params={"to_email": to, **params}, headers=admin(signer))
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await ids() == {str(sent), str(failed), str(reset)}
    assert await ids(status="failed") == {str(failed)}
    assert await ids(template="password_reset") == {str(reset)}
    assert await ids(status="sent", template="email_verification") == {str(sent)}


async def test_delivery_log_pages_with_the_before_cursor(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    to = address()
    start = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    created = [await insert_message(app, to, start + timedelta(seconds=i)) for i in range(5)]
    newest_first = [str(i) for i in reversed(created)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"to_email": to, "limit": "2"} | ({"before": cursor} if cursor else {})
        page = (await client.get(LIST, params=params, headers=admin(signer))).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == newest_first
    assert pages == 3


async def test_delivery_log_refuses_bad_queries(client: httpx.AsyncClient, signer: TestSigner) -> None:
    for params in ({"limit": "0"}, {"limit": "201"}, {"status": "bounced"}, {"before": "not-a-uuid"}):
        response = await client.get(LIST, params=params, headers=admin(signer))
        assert response.status_code == 422, params
    unknown = await client.get(LIST, params={"before": str(uuid.uuid4())}, headers=admin(signer))
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["query", "before"]


async def test_delivery_log_is_for_super_admins_only(client: httpx.AsyncClient, signer: TestSigner) -> None:
    anonymous = await client.get(LIST)
    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "Not authenticated"})
    for response in (
        await client.get(LIST, headers=shop_owner(signer)),
        await client.post(f"{LIST}/{uuid.uuid4()}/retry", headers=shop_owner(signer)),
    ):
        assert (response.status_code, response.json()) == (403, {"detail": "Not enough permissions"})


# --- retry ---


async def test_retry_of_a_failed_email_sends_it_through_the_consumer(
    app: Any,
    client: httpx.AsyncClient,
    signer: TestSigner,
    mailbox: RecordingSmtp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    to = address()
    event = verification_requested(to)
    failed = await failed_for_good(app, event)
    admin_id = uuid.uuid4()

    with caplog.at_level(logging.INFO, logger="notifications.emails.delivery_log"):
        response = await client.post(f"{LIST}/{failed.id}/retry", headers=admin(signer, admin_id))

    assert response.status_code == 202, response.text
    assert response.json() == {"id": str(failed.id), "status": "queued", "attempts": 0}
    [logged] = [r for r in caplog.records if r.getMessage() == "email retry requested"]
    assert getattr(logged, "admin_id") == str(admin_id)  # noqa: B009
    [announced] = await retry_events(app, failed.id)
    assert announced["data"]["requested_by"] == str(admin_id)

    row = await poll(lambda: status_of(app, failed.idempotency_key, "sent"), message="retried email sent")
    assert row.attempts == 1
    [mail] = mailbox.to(to)
    assert event.data["verification_url"] in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [sent] = await outbox_events(app, "notifications.email.sent", event.id)
    # announced as the email of the original trigger, with its context
    assert sent["data"]["source_event_type"] == "identity.email_verification.requested"
    assert sent["data"]["context"] == {"user_id": event.data["user_id"]}
    assert sent["causation_id"] == announced["id"]


async def test_retry_of_a_sent_email_is_409(app: Any, client: httpx.AsyncClient, signer: TestSigner) -> None:
    sent = await insert_message(app, address(), datetime.now(UTC))
    response = await client.post(f"{LIST}/{sent}/retry", headers=admin(signer))
    assert (response.status_code, response.json()) == (409, {"detail": {"error": "already_sent"}})
    assert await retry_events(app, sent) == []


async def test_retry_of_an_unknown_message_is_404(client: httpx.AsyncClient, signer: TestSigner) -> None:
    response = await client.post(f"{LIST}/{uuid.uuid4()}/retry", headers=admin(signer))
    assert (response.status_code, response.json()) == (404, {"detail": "Message not found"})


async def test_retry_restarts_a_stuck_queued_email(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, mailbox: RecordingSmtp
) -> None:
    to = address()
    event = verification_requested(to)
    failed = await failed_for_good(app, event)
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == failed.id)
            .values(status="queued", attempts=3, updated_at=datetime.now(UTC) - timedelta(hours=1))
        )

    response = await client.post(f"{LIST}/{failed.id}/retry", headers=admin(signer))

    assert response.json() == {"id": str(failed.id), "status": "queued", "attempts": 0}
    row = await poll(lambda: status_of(app, failed.idempotency_key, "sent"), message="stuck email sent")
    assert row.attempts == 1
    assert len(mailbox.to(to)) == 1


async def test_retry_of_an_email_still_in_its_retry_cycle_changes_nothing(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    event = verification_requested(address())
    failed = await failed_for_good(app, event)
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == failed.id)
            .values(status="queued", attempts=2, updated_at=datetime.now(UTC))
        )

    response = await client.post(f"{LIST}/{failed.id}/retry", headers=admin(signer))

    assert response.status_code == 202
    assert response.json() == {"id": str(failed.id), "status": "queued", "attempts": 2}
    assert await retry_events(app, failed.id) == []
    row = await message_by_id(app, failed.id)
    assert row is not None
    assert row.attempts == 2


async def test_retried_invalid_recipient_fails_again_without_sending(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    event = verification_requested("not-an-email")
    await publish(app, event)
    key = f"email_verification:{event.id}"
    failed = await poll(lambda: status_of(app, key, "failed"), message="invalid recipient failed")

    response = await client.post(f"{LIST}/{failed.id}/retry", headers=admin(signer))
    assert response.status_code == 202

    async def failed_twice() -> list[dict[str, Any]] | None:
        found = await outbox_events(app, "notifications.email.failed", event.id)
        return found if len(found) == 2 else None

    await poll(failed_twice, message="second failure announced")
    row = await message_row(app, key)
    assert row is not None
    assert (row.status, row.last_error, row.attempts) == ("failed", "invalid_recipient", 0)


class SlowProvider:
    """Takes a while to accept each email and remembers how many sends overlapped."""

    def __init__(self) -> None:
        self.sends = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, email: OutgoingEmail) -> str | None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.3)
            self.sends += 1
            return f"slow-{self.sends}"
        finally:
            self.in_flight -= 1


async def test_two_retries_at_once_send_the_email_once(app: Any) -> None:
    event = verification_requested(address())
    failed = await failed_for_good(app, event)
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(
            update(EmailMessage).where(EmailMessage.id == failed.id).values(status="queued", attempts=0)
        )
    working: Courier = app.state.courier
    provider = SlowProvider()
    courier = Courier(
        settings=working.settings,
        provider=provider,
        renderer=working.renderer,
        clock=working.clock,
        outbox=working.outbox,
        bookkeeping=working.bookkeeping,
    )

    async def redeliver() -> None:
        async with app.state.runtime.factory() as session, session.begin():
            await courier.redeliver(session, failed.id)

    await asyncio.gather(redeliver(), redeliver(), redeliver())

    assert (provider.sends, provider.most_in_flight) == (1, 1)
    row = await message_by_id(app, failed.id)
    assert row is not None
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 1, "slow-1")
    assert len(await outbox_events(app, "notifications.email.sent", event.id)) == 1
