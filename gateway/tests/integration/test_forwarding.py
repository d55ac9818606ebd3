import base64
import time
import uuid
from collections.abc import AsyncIterator

import httpx
from fakes import GatewayFactory, bearer, closed_url, echoed_headers

from shared.testing import TestSigner


async def test_public_route_forwards_method_path_query_body_and_answer(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/api/v1/auth/register?status=201&x=1&x=2",
        content=b'{"email":"a@example.com"}',
        headers={"Content-Type": "application/json", "X-Custom": "kept"},
    )
    assert response.status_code == 201
    echoed = response.json()
    assert (echoed["service"], echoed["method"], echoed["path"]) == ("identity", "POST", "/api/v1/auth/register")
    assert echoed["query"] == "status=201&x=1&x=2"
    assert base64.b64decode(echoed["body"]) == b'{"email":"a@example.com"}'
    headers = echoed_headers(response)
    assert headers["x-custom"] == ["kept"]
    assert headers["content-type"] == ["application/json"]
    assert response.headers["x-upstream"] == "identity"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


async def test_each_owner_gets_its_routes(gateway: httpx.AsyncClient) -> None:
    for path, service in [
        ("/api/v1/plans/public", "billing"),
        ("/api/v1/sales-leads", "onboarding"),
        ("/api/v1/email/unsubscribe", "notifications"),
    ]:
        response = await gateway.post(path, json={})
        assert response.json()["service"] == service


async def test_encoded_path_is_forwarded_unchanged(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/accounts/invites/a%20b/lookup")
    assert response.json()["raw_path"] == "/api/v1/accounts/invites/a%20b/lookup"


async def test_spoofed_identity_headers_are_stripped_and_replaced(
    gateway: httpx.AsyncClient, signer: TestSigner
) -> None:
    user, account = uuid.uuid4(), uuid.uuid4()
    token = signer.access_token(user_id=user, account_id=account, account_role="viewer")
    response = await gateway.get(
        "/api/v1/accounts/me",
        headers={
            **bearer(token),
            "X-User-Id": "evil",
            "x-account-id": "evil",
            "X-Account-Role": "owner",
            "X-User-Whatever": "1",
        },
    )
    assert response.status_code == 200
    headers = echoed_headers(response)
    assert headers["x-user-id"] == [str(user)]
    assert headers["x-account-id"] == [str(account)]
    assert headers["x-account-role"] == ["viewer"]
    assert "x-user-whatever" not in headers
    assert headers["authorization"] == [f"Bearer {token}"]
    assert "traceparent" in headers


async def test_public_route_with_garbage_authorization_is_forwarded_untouched(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/config/public", headers={"Authorization": "Bearer garbage", "X-User-Id": "x"})
    assert response.status_code == 200
    headers = echoed_headers(response)
    assert headers["authorization"] == ["Bearer garbage"]
    assert "x-user-id" not in headers


async def test_request_id_is_kept_or_made_and_echoed(gateway: httpx.AsyncClient) -> None:
    kept = await gateway.get("/api/v1/config/public", headers={"X-Request-Id": "abc-123"})
    assert kept.headers["x-request-id"] == "abc-123"
    assert echoed_headers(kept)["x-request-id"] == ["abc-123"]
    made = await gateway.get("/api/v1/config/public", headers={"X-Request-Id": "bad id!"})
    assert made.headers["x-request-id"] != "bad id!"
    assert echoed_headers(made)["x-request-id"] == [made.headers["x-request-id"]]
    assert uuid.UUID(made.headers["x-request-id"])
    not_found = await gateway.get("/api/v1/nothing-here")
    assert not_found.headers["x-request-id"]


async def test_unknown_route_is_404_not_found(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/nothing-here")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


async def test_upstream_down_is_502_within_a_second(gateway_client: GatewayFactory) -> None:
    async with gateway_client(onboarding_internal_url=closed_url()) as gateway:
        started = time.monotonic()
        response = await gateway.post("/api/v1/sales-leads", json={})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 502
    assert response.json() == {"detail": {"error": "upstream_unavailable", "upstream": "onboarding"}}


async def test_slow_upstream_is_504(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/auth/slow")
    assert response.status_code == 504
    assert response.json() == {"detail": {"error": "upstream_timeout", "upstream": "identity"}}


async def test_product_route_without_product_upstream_is_502_after_checks(
    gateway_client: GatewayFactory, signer: TestSigner
) -> None:
    async with gateway_client(product_upstream_url=None) as gateway:
        anonymous = await gateway.get("/api/v1/tags")
        token = signer.access_token(account_id=uuid.uuid4())
        response = await gateway.get("/api/v1/tags", headers=bearer(token))
    assert anonymous.status_code == 401
    assert response.status_code == 502
    assert response.json() == {"detail": {"error": "upstream_not_configured", "upstream": "product"}}


async def test_declared_body_over_limit_is_413(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/api/v1/sales-leads", content=b"x" * 1025)
    assert response.status_code == 413
    assert response.json() == {"detail": {"error": "payload_too_large"}}


async def test_streamed_body_over_limit_is_413(gateway: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"y" * 300

    response = await gateway.post("/api/v1/sales-leads", content=chunks())
    assert response.status_code == 413
    assert response.json() == {"detail": {"error": "payload_too_large"}}


async def test_streamed_body_within_limit_is_forwarded_whole(gateway: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(3):
            yield bytes([65 + index]) * 300

    response = await gateway.post("/api/v1/sales-leads", content=chunks())
    assert response.status_code == 200
    assert base64.b64decode(response.json()["body"]) == b"A" * 300 + b"B" * 300 + b"C" * 300


async def test_cors_preflight_answers_for_configured_origin(gateway: httpx.AsyncClient) -> None:
    response = await gateway.options(
        "/api/v1/auth/login",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
