"""Real providers behind the consumer's retry path: an SMTP server that refuses the first tries, and a
local Resend-like HTTP server (a Starlette app served by uvicorn on a free port).

The app's own delay queues wait 5s, 30s, 2m, 10m and cannot be shortened without a change in `shared`
(ServiceRuntime does not pass `retry_delays_ms` on); so these tests drive the app's handlers, database
and outbox through a consumer of their own whose delay queues wait 0.1s (`fast_lane`)."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from conftest import RefusingSmtp, fast_lane
from messages import address, outbox_events, queue_depth, status_of, verification_requested
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from notifications.emails.providers import OutgoingEmail, PermanentProviderError, ResendProvider, SmtpProvider
from shared.testing import free_port, poll, smtp_server


async def test_smtp_refusing_the_first_two_tries_is_sent_on_the_third(app: Any) -> None:
    refusals = 2
    server = RefusingSmtp(refusals=refusals)
    with smtp_server(server) as port:
        async with fast_lane(app, SmtpProvider(host="127.0.0.1", port=port)) as lane:
            to = address()
            event = verification_requested(to)
            await lane.publish(event)

            row = await poll(
                lambda: status_of(app, f"email_verification:{event.id}", "sent"), message="sent after retries"
            )

    assert row.attempts == refusals + 1
    assert server.data_commands == refusals + 1
    [mail] = server.to(to)
    assert row.provider_message_id == mail["Message-ID"]
    assert "451" in (row.last_error or "")  # the last refusal stays on record
    assert len(await outbox_events(app, "notifications.email.sent", event.id)) == 1


async def test_smtp_refusing_the_message_for_good_fails_it_at_once() -> None:
    server = RefusingSmtp(refusals=1, reply="554 5.7.1 Message rejected")
    with smtp_server(server) as port, pytest.raises(PermanentProviderError, match="554"):
        await SmtpProvider(host="127.0.0.1", port=port).send(
            OutgoingEmail(sender="no-reply@example.com", to="ada@example.com", subject="s", text="t", html="<p>h</p>")
        )


class FakeResend:
    """POST /emails answers the scripted (status, body) replies in turn, then 200 with a fresh id."""

    def __init__(self, replies: list[tuple[int, dict[str, Any]]]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/emails", self.emails, methods=["POST"])])

    async def emails(self, request: Request) -> JSONResponse:
        self.requests.append({"authorization": request.headers.get("authorization"), "body": await request.json()})
        if self.replies:
            status, body = self.replies.pop(0)
            return JSONResponse(body, status_code=status)
        return JSONResponse({"id": f"re_{len(self.requests)}"})


@pytest.fixture
async def resend() -> AsyncIterator[tuple[FakeResend, str]]:
    fake = FakeResend([])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())

    async def listening() -> bool:
        return server.started

    await poll(listening, message="fake resend listening")
    yield fake, f"http://127.0.0.1:{port}/emails"
    server.should_exit = True
    await serving


async def test_resend_2xx_is_sent_with_its_id(app: Any, resend: tuple[FakeResend, str]) -> None:
    fake, url = resend
    fake.replies = [(200, {"id": "re_8c1f0d2e"})]
    async with fast_lane(app, ResendProvider(api_key="re_test_key", url=url)) as lane:
        to = address()
        event = verification_requested(to)
        await lane.publish(event)
        row = await poll(lambda: status_of(app, f"email_verification:{event.id}", "sent"), message="sent via resend")

    assert (row.attempts, row.provider_message_id) == (1, "re_8c1f0d2e")
    [request] = fake.requests
    assert request["authorization"] == "Bearer re_test_key"
    assert request["body"]["to"] == [to]
    assert request["body"]["subject"] == "Verify your email address"
    [sent] = await outbox_events(app, "notifications.email.sent", event.id)
    assert sent["data"]["provider_message_id"] == "re_8c1f0d2e"


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_resend_5xx_or_429_is_retried_until_accepted(
    app: Any, resend: tuple[FakeResend, str], status: int
) -> None:
    fake, url = resend
    fake.replies = [(status, {"message": "try later"}), (status, {"message": "try later"}), (200, {"id": "re_ok"})]
    async with fast_lane(app, ResendProvider(api_key="re_test_key", url=url)) as lane:
        event = verification_requested(address())
        await lane.publish(event)
        row = await poll(lambda: status_of(app, f"email_verification:{event.id}", "sent"), message="sent on retry")

    assert (row.attempts, row.provider_message_id) == (3, "re_ok")
    assert row.last_error == f"resend answered {status}"
    assert len(fake.requests) == 3


@pytest.mark.parametrize("status", [400, 403, 422])
async def test_resend_4xx_fails_the_email_for_good(app: Any, resend: tuple[FakeResend, str], status: int) -> None:
    fake, url = resend
    fake.replies = [(status, {"name": "validation_error", "message": "The `to` field is invalid."})]
    async with fast_lane(app, ResendProvider(api_key="re_test_key", url=url)) as lane:
        event = verification_requested(address())
        await lane.publish(event)
        row = await poll(lambda: status_of(app, f"email_verification:{event.id}", "failed"), message="failed")
        await asyncio.sleep(0.3)  # a retry would have come back by now (delay queues wait 0.1s)

    assert row.attempts == 1
    assert (row.last_error or "").startswith(f"rejected by resend ({status})")
    assert len(fake.requests) == 1
    [failed] = await outbox_events(app, "notifications.email.failed", event.id)
    assert failed["data"]["attempts"] == 1


async def test_resend_down_for_every_attempt_fails_and_dead_letters(app: Any, resend: tuple[FakeResend, str]) -> None:
    fake, url = resend
    fake.replies = [(502, {})] * 3
    async with fast_lane(app, ResendProvider(api_key="re_test_key", url=url), max_attempts=3) as lane:
        event = verification_requested(address())
        await lane.publish(event)
        row = await poll(lambda: status_of(app, f"email_verification:{event.id}", "failed"), message="given up")
        names = lane.consumer.names

        async def dead_lettered() -> bool:
            return await queue_depth(app, names.dlq("notifications")) == 1

        await poll(dead_lettered, message="event in the dead-letter queue")

    assert (row.attempts, row.last_error) == (3, "resend answered 502")
    assert len(fake.requests) == 3
    [failed] = await outbox_events(app, "notifications.email.failed", event.id)
    assert failed["data"]["attempts"] == 3
    assert json.dumps(failed["data"]).count("502") == 1
