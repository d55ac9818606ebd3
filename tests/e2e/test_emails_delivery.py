"""Emails through the gateway: a super admin reads the delivery log, and a reminder's one-click
unsubscribe stops the next reminder. (The verification and reset links themselves are followed in
test_identity_sessions.py.)"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from shared.bus.broker import Publisher, build_message
from shared.bus.names import BusNames
from shared.events import Envelope, TrialEnding
from shared.testing import poll

from .conftest import BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD, RunningStack
from .flows import bearer, login, new_email, register, wait_for_mail_with_subject

LOG = "/api/v1/admin/notifications"


@pytest.fixture
async def admin_headers(gateway: httpx.AsyncClient) -> dict[str, str]:
    response = await gateway.post(
        "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return bearer(response.json())


async def logged(
    gateway: httpx.AsyncClient, headers: dict[str, str], to_email: str, template: str, status: str
) -> dict[str, Any]:
    """The delivery-log entry of `template` to `to_email`, once it has `status`."""

    async def entry() -> dict[str, Any] | None:
        response = await gateway.get(LOG, headers=headers, params={"to_email": to_email, "template": template})
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = [i for i in response.json()["items"] if i["status"] == status]
        return found[0] if found else None

    return await poll(entry, timeout=20, interval=0.1, message=f"{template} to {to_email} logged {status}")


async def billing_says_trial_ends(running_stack: RunningStack, to_email: str, days_left: int) -> None:
    """Publish `billing.trial.ending` as billing's reminder job does (its own clock decides when)."""
    data = TrialEnding(
        account_id=uuid.uuid4(),
        plan="pro",
        current_period_end=datetime.now(UTC) + timedelta(days=days_left),
        days_left=days_left,
        billing_email=to_email,
        upgrade_url="http://spa.test/account/billing/select-plan",
    )
    envelope = Envelope(
        id=uuid.uuid4(),
        type="billing.trial.ending",
        occurred_at=datetime.now(UTC),
        producer="billing",
        correlation_id=f"e2e-{uuid.uuid4().hex[:8]}",
        data=data.model_dump(mode="json"),
    )
    publisher = Publisher(running_stack.stack.env["AMQP_URL"], BusNames(namespace=running_stack.namespace))
    try:
        await publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)
    finally:
        await publisher.close()


async def test_super_admin_sees_the_sent_verification_email_of_a_new_user(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    email = new_email("logged")
    registered = await register(gateway, email)
    assert registered.status_code == 201, registered.text
    message = await wait_for_mail_with_subject(mail, email, "Verify your email address")

    entry = await logged(gateway, admin_headers, email, "email_verification", "sent")

    assert entry["to_email"] == email.lower()
    assert entry["subject"] == "Verify your email address"
    assert entry["attempts"] == 1
    assert entry["provider_message_id"] == message["headers"]["Message-ID"]
    assert entry["sent_at"].endswith("+00:00")
    # sent: nothing left to retry
    retried = await gateway.post(f"{LOG}/{entry['id']}/retry", headers=admin_headers)
    assert (retried.status_code, retried.json()) == (409, {"detail": {"error": "already_sent"}})
    unknown = await gateway.post(f"{LOG}/{uuid.uuid4()}/retry", headers=admin_headers)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Message not found"})


async def test_the_delivery_log_is_refused_to_a_shop_owner_at_the_gateway(gateway: httpx.AsyncClient) -> None:
    email = new_email("owner")
    assert (await register(gateway, email)).status_code == 201
    headers = bearer(await login(gateway, email))

    for response in (
        await gateway.get(LOG, headers=headers),
        await gateway.post(f"{LOG}/{uuid.uuid4()}/retry", headers=headers),
    ):
        assert (response.status_code, response.json()) == (403, {"detail": "Not enough permissions"})


async def test_unknown_unsubscribe_token_is_404_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/api/v1/email/unsubscribe", json={"token": "no-such-token"})
    assert (response.status_code, response.json()) == (404, {"detail": {"error": "unsubscribe_token_invalid"}})


async def test_one_click_unsubscribe_stops_the_next_trial_reminder(
    running_stack: RunningStack, gateway: httpx.AsyncClient, mail: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    owner = new_email("reminded").lower()
    await billing_says_trial_ends(running_stack, owner, days_left=4)
    reminder = await wait_for_mail_with_subject(mail, owner, "Your trial ends in 4 days")
    header = reminder["headers"]["List-Unsubscribe"]
    assert reminder["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = urlsplit(header.strip("<>"))
    assert one_click.path == "/api/v1/email/unsubscribe"
    assert f"http://spa.test/unsubscribe?{one_click.query}" in reminder["text"]

    # what a mail client does with the header, sent to this stack's gateway
    unsubscribed = await gateway.post(
        f"{one_click.path}?{one_click.query}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (unsubscribed.status_code, unsubscribed.json()) == (200, {"unsubscribed": True, "category": "reminders"})

    await billing_says_trial_ends(running_stack, owner, days_left=1)
    suppressed = await logged(gateway, admin_headers, owner, "trial_ending", "failed")
    assert (suppressed["last_error"], suppressed["attempts"]) == ("suppressed", 0)
    assert [m["subject"] for m in (await mail.get("/messages", params={"to": owner})).json()] == [
        "Your trial ends in 4 days"
    ]
