"""Rate limits through the real gateway app; the fake upstreams record every call they get.
The ASGI client's peer is 127.0.0.1, a trusted proxy by default, so X-Forwarded-For picks the client."""

import asyncio
import secrets
import uuid
from datetime import timedelta

import httpx
import pytest
from fakes import FakeState, GatewayFactory, bearer

from shared.clock import ManualClock
from shared.testing import TestSigner

REGISTER = "/api/v1/auth/register"
SEND_VERIFICATION = "/api/v1/auth/email/send-verification"


def client_ip() -> str:
    """A client address no other test uses (the fake upstreams live for the whole session)."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def from_ip(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def upstream_calls(state: FakeState, path: str, *, client: str | None = None, user: str | None = None) -> int:
    """Calls the upstreams got for `path`, from `client` (first X-Forwarded-For hop) or for `user`."""
    return sum(
        1
        for call in state.calls
        if call.path == path
        and (client is None or (call.forwarded_for or "").split(",")[0] == client)
        and (user is None or call.user_id == user)
    )


async def register(gateway: httpx.AsyncClient, address: str) -> httpx.Response:
    return await gateway.post(REGISTER, json={"email": "a@example.com"}, headers=from_ip(address))


async def test_fourth_register_within_a_minute_is_429_before_the_upstream(
    gateway_client: GatewayFactory, fake_state: FakeState
) -> None:
    clock = ManualClock()
    address = client_ip()
    async with gateway_client(clock=clock) as gateway:
        assert [(await register(gateway, address)).status_code for _ in range(3)] == [200, 200, 200]
        clock.advance(timedelta(seconds=15))
        refused = await register(gateway, address)
    assert refused.status_code == 429
    assert refused.json() == {"detail": {"error": "rate_limited", "retry_after": 46}}
    assert refused.headers["retry-after"] == "46"
    assert upstream_calls(fake_state, REGISTER, client=address) == 3


async def test_another_client_address_is_not_affected(gateway_client: GatewayFactory) -> None:
    limited, other = client_ip(), client_ip()
    async with gateway_client(clock=ManualClock()) as gateway:
        for _ in range(4):
            await register(gateway, limited)
        assert (await register(gateway, limited)).status_code == 429
        assert (await register(gateway, other)).status_code == 200


async def test_register_is_admitted_again_once_retry_after_has_passed(gateway_client: GatewayFactory) -> None:
    clock = ManualClock()
    address = client_ip()
    async with gateway_client(clock=clock) as gateway:
        for _ in range(3):
            await register(gateway, address)
        wait = (await register(gateway, address)).json()["detail"]["retry_after"]
        clock.advance(timedelta(seconds=wait - 1))
        assert (await register(gateway, address)).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert (await register(gateway, address)).status_code == 200


async def login(gateway: httpx.AsyncClient, path: str, address: str) -> httpx.Response:
    if path.endswith("/json"):
        return await gateway.post(path, json={"email": "a@example.com", "password": "x"}, headers=from_ip(address))
    return await gateway.post(path, data={"username": "a@example.com", "password": "x"}, headers=from_ip(address))


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/login/json"])
async def test_eleventh_login_within_a_minute_is_429(
    gateway_client: GatewayFactory, fake_state: FakeState, path: str
) -> None:
    address = client_ip()
    async with gateway_client(clock=ManualClock()) as gateway:
        statuses = [(await login(gateway, path, address)).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert upstream_calls(fake_state, path, client=address) == 10


async def test_send_verification_is_limited_per_user_not_per_address(
    gateway_client: GatewayFactory, fake_state: FakeState, signer: TestSigner
) -> None:
    user, other_user = uuid.uuid4(), uuid.uuid4()
    token, other_token = signer.access_token(user_id=user), signer.access_token(user_id=other_user)
    shared_address = client_ip()
    async with gateway_client(clock=ManualClock()) as gateway:
        for _ in range(5):
            sent = await gateway.post(SEND_VERIFICATION, headers={**bearer(token), **from_ip(client_ip())})
            assert sent.status_code == 200
        refused = await gateway.post(SEND_VERIFICATION, headers={**bearer(token), **from_ip(client_ip())})
        other = await gateway.post(SEND_VERIFICATION, headers={**bearer(other_token), **from_ip(shared_address)})
        anonymous = await gateway.post(SEND_VERIFICATION, headers=from_ip(client_ip()))
    assert refused.status_code == 429
    assert refused.json()["detail"]["error"] == "rate_limited"
    assert 3599 <= int(refused.headers["retry-after"]) <= 3601
    assert other.status_code == 200
    assert anonymous.status_code == 401  # the token is checked before a user-keyed limit
    assert upstream_calls(fake_state, SEND_VERIFICATION, user=str(user)) == 5


async def test_untrusted_peer_is_keyed_by_its_own_address_not_its_forwarded_for(
    gateway_client: GatewayFactory,
) -> None:
    async with gateway_client(clock=ManualClock(), trusted_proxies="10.0.0.1") as gateway:
        statuses = [(await register(gateway, client_ip())).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_no_limits_when_rate_limits_are_disabled(gateway_client: GatewayFactory) -> None:
    address = client_ip()
    async with gateway_client(clock=ManualClock(), rate_limits_enabled=False) as gateway:
        statuses = [(await register(gateway, address)).status_code for _ in range(6)]
    assert statuses == [200] * 6


async def test_other_methods_and_routes_are_not_limited(gateway_client: GatewayFactory) -> None:
    address = client_ip()
    async with gateway_client(clock=ManualClock()) as gateway:
        for _ in range(4):
            await register(gateway, address)
        assert (await gateway.get(REGISTER, headers=from_ip(address))).status_code == 200
        assert (await gateway.post("/api/v1/auth/refresh", headers=from_ip(address))).status_code == 200


async def test_sixth_sales_lead_within_an_hour_is_429_before_the_upstream(
    gateway_client: GatewayFactory, fake_state: FakeState
) -> None:
    clock = ManualClock()
    address = client_ip()
    path = "/api/v1/sales-leads"
    async with gateway_client(clock=clock) as gateway:
        answers = [(await gateway.post(path, json={}, headers=from_ip(address))).status_code for _ in range(5)]
        clock.advance(timedelta(minutes=59))
        refused = await gateway.post(path, json={}, headers=from_ip(address))
        clock.advance(timedelta(minutes=1, seconds=1))
        admitted = await gateway.post(path, json={}, headers=from_ip(address))
    assert answers == [200] * 5
    assert refused.status_code == 429
    assert refused.json()["detail"]["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 61
    assert admitted.status_code == 200
    assert upstream_calls(fake_state, path, client=address) == 6


async def test_concurrent_register_burst_from_one_address_lets_exactly_three_through(
    gateway_client: GatewayFactory, fake_state: FakeState
) -> None:
    address = client_ip()
    async with gateway_client(clock=ManualClock()) as gateway:
        answers = await asyncio.gather(*(register(gateway, address) for _ in range(20)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 3 + [429] * 17
    assert upstream_calls(fake_state, REGISTER, client=address) == 3
