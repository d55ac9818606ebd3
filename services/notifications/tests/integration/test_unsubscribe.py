"""POST /api/v1/email/unsubscribe (api.md §6) and what it does to the next reminders (events.md §5)."""

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from messages import address, message_row, outbox_events, publish, status_of, trial_ending, verification_requested
from sqlalchemy import text

from notifications.emails.models import EmailMessage
from shared.testing import RecordingSmtp, poll

UNSUBSCRIBE = "/api/v1/email/unsubscribe"


async def reminder_sent_to(app: Any, mailbox: RecordingSmtp, to: str) -> tuple[Any, EmailMessage]:
    event = trial_ending(to)
    await publish(app, event)

    async def received() -> list[Any] | None:
        return mailbox.to(to) or None

    [mail] = await poll(received, message="trial reminder received")
    row = await poll(lambda: status_of(app, f"trial_ending:{event.id}", "sent"), message="reminder sent")
    return mail, row


async def suppressions_of(app: Any, email: str) -> list[dict[str, Any]]:
    async with app.state.runtime.factory() as session:
        rows = await session.execute(
            text("SELECT email, category, source_message_id FROM email_suppressions WHERE email = :email"),
            {"email": email},
        )
        return [dict(row._mapping) for row in rows]


async def test_reminder_links_to_one_click_and_visible_unsubscribe(app: Any, mailbox: RecordingSmtp) -> None:
    mail, row = await reminder_sent_to(app, mailbox, address())
    token = row.unsubscribe_token
    assert token
    assert mail["List-Unsubscribe"] == f"<http://localhost:8000/api/v1/email/unsubscribe?token={token}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    visible = f"http://localhost:5173/unsubscribe?token={token}"
    assert visible in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert visible in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    # the stored link is redacted once sent; the token column is what the route looks up
    assert row.context["unsubscribe_url"] == "http://localhost:5173/unsubscribe?token=redacted"


async def test_one_click_post_unsubscribes_the_address_from_reminders(
    app: Any, client: httpx.AsyncClient, mailbox: RecordingSmtp
) -> None:
    to = address()
    mail, row = await reminder_sent_to(app, mailbox, to)
    one_click = urlsplit(mail["List-Unsubscribe"].strip("<>"))

    # RFC 8058: the mail client posts the form body below to the header's URL, token in the query
    response = await client.post(
        f"{one_click.path}?{one_click.query}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"unsubscribed": True, "category": "reminders"}
    assert await suppressions_of(app, to) == [{"email": to, "category": "reminders", "source_message_id": row.id}]


async def test_unsubscribe_page_posts_the_token_in_json_and_repeats_are_harmless(
    app: Any, client: httpx.AsyncClient, mailbox: RecordingSmtp
) -> None:
    to = address()
    _, row = await reminder_sent_to(app, mailbox, to)

    first = await client.post(UNSUBSCRIBE, json={"token": row.unsubscribe_token})
    again = await client.post(UNSUBSCRIBE, json={"token": row.unsubscribe_token})
    by_query = await client.post(UNSUBSCRIBE, params={"token": row.unsubscribe_token})

    for response in (first, again, by_query):
        assert (response.status_code, response.json()) == (200, {"unsubscribed": True, "category": "reminders"})
    assert len(await suppressions_of(app, to)) == 1


async def test_unknown_unsubscribe_token_is_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.post(UNSUBSCRIBE, json={"token": uuid.uuid4().hex}),
        await client.post(UNSUBSCRIBE, params={"token": "x" * 300}),
    ):
        assert (response.status_code, response.json()) == (404, {"detail": {"error": "unsubscribe_token_invalid"}})


async def test_unsubscribe_without_a_token_is_422(client: httpx.AsyncClient) -> None:
    for response in (
        await client.post(UNSUBSCRIBE),
        await client.post(UNSUBSCRIBE, json={}),
        await client.post(UNSUBSCRIBE, content="{not json", headers={"Content-Type": "application/json"}),
        await client.post(UNSUBSCRIBE, content="List-Unsubscribe=One-Click"),
    ):
        assert response.status_code == 422, response.text
        assert isinstance(response.json()["detail"], list)


async def test_after_unsubscribing_reminders_stop_but_transactional_emails_still_go_out(
    app: Any, client: httpx.AsyncClient, mailbox: RecordingSmtp
) -> None:
    to = address()
    _, row = await reminder_sent_to(app, mailbox, to)
    assert (await client.post(UNSUBSCRIBE, json={"token": row.unsubscribe_token})).status_code == 200

    reminder = trial_ending(to, days_left=1)
    verification = verification_requested(to)
    await publish(app, reminder)
    await publish(app, verification)

    suppressed = await poll(
        lambda: status_of(app, f"trial_ending:{reminder.id}", "failed"), message="second reminder suppressed"
    )
    assert (suppressed.last_error, suppressed.attempts) == ("suppressed", 0)
    assert await outbox_events(app, "notifications.email.failed", reminder.id) == []
    await poll(lambda: status_of(app, f"email_verification:{verification.id}", "sent"), message="transactional sent")
    assert [m["Subject"] for m in mailbox.to(to)] == ["Your trial ends in 4 days", "Verify your email address"]
    assert await message_row(app, f"trial_ending:{reminder.id}") is not None
