"""An oversized header block is refused at the gateway with 431 before any upstream call."""

import secrets

import httpx
from fakes import FakeState

from gateway.forwarding.proxy import MAX_HEADER_BYTES


async def test_header_block_over_the_limit_is_431_and_not_forwarded(
    gateway: httpx.AsyncClient, fake_state: FakeState
) -> None:
    marker = secrets.token_hex(8)
    path = f"/api/v1/auth/register-{marker}"
    answer = await gateway.post(path, json={}, headers={"X-Padding": "a" * (MAX_HEADER_BYTES + 1)})
    assert answer.status_code == 431
    assert answer.json() == {"detail": {"error": "headers_too_large"}}
    assert not [call for call in fake_state.calls if call.path == path]


async def test_header_block_within_the_limit_is_forwarded(gateway: httpx.AsyncClient, fake_state: FakeState) -> None:
    path = f"/api/v1/auth/register-{secrets.token_hex(8)}"
    answer = await gateway.post(path, json={}, headers={"X-Padding": "a" * (MAX_HEADER_BYTES // 2)})
    assert answer.status_code != 431
    assert [call for call in fake_state.calls if call.path == path]
