"""The gateway's checks through the real stack: identity's tokens, billing's snapshots and events, and a
real echo upstream at PRODUCT_UPSTREAM_URL (served from this process). ENTITLEMENT_CACHE_TTL_SECONDS
stays at its default (300 s), so a change seen within a second can only come from billing's event.

Rate limits are off in this stack (RATE_LIMITS_ENABLED=false); they are covered by the gateway's own
integration suite (gateway/tests/integration/test_rate_limits.py)."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.testing import poll

from .conftest import BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_PASSWORD, RunningStack
from .flows import bearer, billing_state, login, new_email, refresh, register

UPGRADE_URL = "/account/billing/select-plan"


def echo_app() -> Starlette:
    async def echo(request: Request) -> Response:
        return JSONResponse(
            {
                "upstream": "product",
                "method": request.method,
                "path": request.url.path,
                "headers": [[k.decode(), v.decode()] for k, v in request.scope["headers"]],
            }
        )

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Starlette(routes=[Route("/{path:path}", echo, methods=methods)])


@pytest.fixture(scope="session")
async def product_upstream(running_stack: RunningStack) -> AsyncIterator[str]:
    """The echo product upstream, on the port the stack's PRODUCT_UPSTREAM_URL names."""
    url = running_stack.stack.env["PRODUCT_UPSTREAM_URL"]
    port = httpx.URL(url).port
    assert port is not None
    server = uvicorn.Server(uvicorn.Config(echo_app(), host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await poll(started, message="echo product upstream started")
    try:
        yield url
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task


@pytest.fixture
async def admin(gateway: httpx.AsyncClient) -> dict[str, str]:
    response = await gateway.post(
        "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return bearer(response.json())


class Shop:
    """A freshly registered owner: tokens, ids, and their trial as billing created it."""

    def __init__(self, tokens: dict[str, Any], me: dict[str, Any]) -> None:
        self.tokens = tokens
        self.user_id = str(me["id"])
        self.account_id = str(me["account_id"])

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.tokens)


async def new_shop(gateway: httpx.AsyncClient) -> Shop:
    email = new_email("gw")
    registered = await register(gateway, email)
    assert registered.status_code in (200, 201), registered.text
    tokens = await login(gateway, email)
    state = await billing_state(gateway, tokens)
    assert state["subscription"]["status"] == "trialing", state
    me = await gateway.get("/api/v1/auth/me", headers=bearer(tokens))
    assert me.status_code == 200, me.text
    return Shop(tokens, me.json())


async def set_subscription(gateway: httpx.AsyncClient, admin: dict[str, str], shop: Shop, **fields: Any) -> None:
    """Billing's admin route: the change and its `billing.subscription.changed` commit together."""
    body = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}
    response = await gateway.patch(
        f"/api/v1/admin/accounts/{shop.account_id}/subscription",
        headers=admin,
        json={**body, "reason": "gateway e2e"},
    )
    assert response.status_code == 200, response.text


async def answers(gateway: httpx.AsyncClient, path: str, shop: Shop, status: int, timeout: float = 10.0) -> Any:
    """Poll until `path` answers `status`; returns its JSON."""

    async def probe() -> Any:
        response = await gateway.get(path, headers=shop.headers)
        return response.json() if response.status_code == status else None

    return await poll(probe, timeout=timeout, interval=0.02, message=f"{path} answering {status}")


def echoed(body: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in body["headers"]:
        found.setdefault(key, []).append(value)
    return found


async def test_trialing_account_reaches_the_product_with_its_identity_and_spoofed_headers_removed(
    gateway: httpx.AsyncClient, product_upstream: str
) -> None:
    shop = await new_shop(gateway)
    response = await gateway.get(
        "/api/v1/trees", headers={**shop.headers, "X-User-Id": "evil", "X-Account-Plan": "enterprise"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["upstream"], body["path"]) == ("product", "/api/v1/trees")
    headers = echoed(body)
    assert headers["x-user-id"] == [shop.user_id]
    assert headers["x-account-id"] == [shop.account_id]
    assert headers["x-account-role"] == ["owner"]
    assert headers["x-account-plan"] == ["pro"]
    assert headers["authorization"] == [shop.headers["Authorization"]]
    assert headers["x-request-id"] == [response.headers["x-request-id"]]
    assert "traceparent" in headers


async def test_admin_cancel_locks_a_cached_account_within_a_second_by_event(
    gateway: httpx.AsyncClient, admin: dict[str, str], product_upstream: str
) -> None:
    shop = await new_shop(gateway)
    assert (await gateway.get("/api/v1/trees", headers=shop.headers)).status_code == 200  # snapshot now cached
    assert (await gateway.get("/api/v1/trees", headers=shop.headers)).status_code == 200
    await set_subscription(gateway, admin, shop, status="canceled")
    changed = time.monotonic()
    detail = (await answers(gateway, "/api/v1/trees", shop, 402, timeout=1.0))["detail"]
    took = time.monotonic() - changed
    assert took < 1.0
    assert detail["error"] == "subscription_inactive"
    assert (detail["status"], detail["plan"], detail["upgrade_url"]) == ("canceled", "pro", UPGRADE_URL)
    # the allowlist still lets the locked owner see and fix billing
    state = await gateway.get("/api/v1/billing/state", headers=shop.headers)
    assert state.status_code == 200, state.text
    assert state.json()["subscription"]["status"] == "canceled"


@pytest.mark.parametrize("status", ["complimentary", "past_due"])
async def test_complimentary_and_past_due_accounts_pass(
    gateway: httpx.AsyncClient, admin: dict[str, str], product_upstream: str, status: str
) -> None:
    shop = await new_shop(gateway)
    await set_subscription(gateway, admin, shop, status="canceled")
    await answers(gateway, "/api/v1/trees", shop, 402)
    await set_subscription(gateway, admin, shop, status=status)
    body = await answers(gateway, "/api/v1/trees", shop, 200, timeout=1.0)
    assert echoed(body)["x-account-plan"] == ["pro"]


async def test_trial_whose_period_ended_is_402_and_billing_state_still_answers(
    gateway: httpx.AsyncClient, admin: dict[str, str], product_upstream: str
) -> None:
    shop = await new_shop(gateway)
    ended = datetime.now(UTC) - timedelta(hours=1)
    await set_subscription(gateway, admin, shop, status="trialing", current_period_end=ended)
    detail = (await answers(gateway, "/api/v1/trees", shop, 402))["detail"]
    assert (detail["error"], detail["status"], detail["plan"]) == ("subscription_inactive", "trialing", "pro")
    assert datetime.fromisoformat(detail["current_period_end"]) == ended
    assert (await gateway.get("/api/v1/billing/state", headers=shop.headers)).status_code == 200


async def test_unverified_owner_passes_in_grace_and_gets_403_once_grace_has_ended(
    gateway: httpx.AsyncClient, running_stack: RunningStack, product_upstream: str
) -> None:
    shop = await new_shop(gateway)
    assert (await gateway.get("/api/v1/trees", headers=shop.headers)).status_code == 200  # registered just now
    created = datetime.now(UTC) - timedelta(days=8)
    dsn = make_url(running_stack.stack.env["IDENTITY_DATABASE_URL"]).set(drivername="postgresql")
    connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        await connection.execute(
            "UPDATE users SET created_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
            created,
            uuid.UUID(shop.user_id),
        )
    finally:
        await connection.close()
    refreshed = await refresh(gateway, shop.tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    shop.tokens = refreshed.json()  # its user_created_at claim is now 8 days old
    locked = await gateway.get("/api/v1/trees", headers=shop.headers)
    assert locked.status_code == 403, locked.text
    detail = locked.json()["detail"]
    assert detail["error"] == "email_not_verified"
    assert datetime.fromisoformat(detail["grace_ended_at"]) == created + timedelta(days=7)
    assert detail["resend_url"] == "/api/v1/auth/email/send-verification"
    # allowlisted: a locked user can still read themselves and billing
    assert (await gateway.get("/api/v1/auth/me", headers=shop.headers)).status_code == 200
    assert (await gateway.get("/api/v1/billing/state", headers=shop.headers)).status_code == 200


async def test_analytics_passes_on_a_pro_trial_and_is_402_feature_not_in_plan_on_starter(
    gateway: httpx.AsyncClient, admin: dict[str, str], product_upstream: str
) -> None:
    shop = await new_shop(gateway)
    passed = await gateway.get("/api/v1/analytics", headers=shop.headers)
    assert passed.status_code == 200, passed.text
    assert passed.json()["path"] == "/api/v1/analytics"
    await set_subscription(gateway, admin, shop, plan="starter", status="active")
    detail = (await answers(gateway, "/api/v1/analytics", shop, 402, timeout=1.0))["detail"]
    assert detail == {
        "error": "feature_not_in_plan",
        "feature": "analytics_dashboards",
        "current_plan": "starter",
        "upgrade_url": UPGRADE_URL,
    }
    trees = await gateway.get("/api/v1/trees", headers=shop.headers)  # starter is live: pro routes pass
    assert trees.status_code == 200, trees.text
    assert echoed(trees.json())["x-account-plan"] == ["starter"]
