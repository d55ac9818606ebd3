import json

import httpx
import pytest

from notifications.emails.providers import (
    OutgoingEmail,
    PermanentProviderError,
    ResendProvider,
    TransientProviderError,
    mime_message,
)

EMAIL = OutgoingEmail(
    sender="Platform <no-reply@example.com>",
    to="ada@example.com",
    subject="Verify your email address",
    text="plain",
    html="<p>html</p>",
    reply_to="lead@example.com",
    headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
)


def resend_answering(status: int, body: object, seen: list[httpx.Request]) -> ResendProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return ResendProvider(api_key="re_test", transport=httpx.MockTransport(answer))


async def test_resend_2xx_is_sent_with_its_id() -> None:
    seen: list[httpx.Request] = []
    provider = resend_answering(200, {"id": "re-msg-1"}, seen)

    assert await provider.send(EMAIL) == "re-msg-1"
    [request] = seen
    assert request.url == "https://api.resend.com/emails"
    assert request.headers["Authorization"] == "Bearer re_test"
    body = json.loads(request.content)
    assert body["to"] == ["ada@example.com"]
    assert body["reply_to"] == "lead@example.com"
    assert body["headers"] == {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_resend_overload_or_outage_is_transient(status: int) -> None:
    with pytest.raises(TransientProviderError):
        await resend_answering(status, {"message": "busy"}, []).send(EMAIL)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_resend_4xx_other_than_429_is_permanent(status: int) -> None:
    with pytest.raises(PermanentProviderError, match=f"rejected by resend \\({status}\\)"):
        await resend_answering(status, {"message": "invalid to"}, []).send(EMAIL)


def test_mime_message_has_both_bodies_and_the_headers() -> None:
    message = mime_message(EMAIL)
    assert message["Reply-To"] == "lead@example.com"
    assert message["Message-ID"].endswith("@example.com>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None
