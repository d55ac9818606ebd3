"""What a warm gateway check costs: token verification + cached snapshot + guards, in-process.

Builds the real gateway app (create_app) with its outgoing HTTP clients on counting in-memory
transports, warms it (JWKS and the account's snapshot fetched once), then measures for about
`--seconds` each:

- checks only: `Gatekeeper.admit` on a `pro` route (verify RS256, read the cache, run the guards)
  against the same call on a `public` route (baseline: no token, no snapshot);
- whole requests through the ASGI app: `GET /api/v1/trees` (pro) against `GET /api/v1/plans/public`
  (public), both forwarded to an in-memory upstream, so the ratio is what the checks add to a request.

It asserts that the warm loops make no call to identity or billing (requests counted on their
transports); only the forwards reach an upstream. Absolute times depend on the machine; compare ratios.

    .venv/bin/python bench/gateway_warm_check.py [--seconds 2]
"""

import argparse
import asyncio
import secrets
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx

from gateway.app import create_app
from gateway.forwarding.router import Pipeline
from gateway.routing.table import Upstream
from gateway.settings import GatewaySettings
from shared.testing import TestSigner

ACCOUNT = uuid.uuid4()
SNAPSHOT = {
    "account_id": str(ACCOUNT),
    "subscription": {
        "status": "trialing",
        "plan": "pro",
        "current_period_end": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
    },
    "limits": {},
    "features": {"analytics_dashboards": True},
    "usage": {},
    "generated_at": datetime.now(UTC).isoformat(),
}


class CountingTransport(httpx.AsyncBaseTransport):
    """An in-memory upstream answering from `handler`, counting what reaches it."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        await request.aread()
        answer = self.handler(request)
        # a fresh, unread stream, as a network transport hands over (the forwarder streams it raw)
        return httpx.Response(answer.status_code, headers=answer.headers, stream=httpx.ByteStream(answer.content))


async def rate(operation: Callable[[], Awaitable[object]], seconds: float) -> tuple[int, float]:
    """Run `operation` repeatedly for about `seconds`; returns (runs, elapsed seconds)."""
    runs = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        await operation()
        runs += 1
        now = time.perf_counter()
        if now >= deadline:
            return runs, now - started


async def per_run(
    measured: Callable[[], Awaitable[object]],
    baseline: Callable[[], Awaitable[object]],
    seconds: float,
    rounds: int = 5,
) -> tuple[float, float, int]:
    """Median seconds per run of `measured` and of `baseline`, measured in alternating rounds so that
    drift in the machine's load hits both alike; also the total runs of `measured`."""
    for _ in range(50):  # warm up
        await measured()
        await baseline()
    mine: list[float] = []
    theirs: list[float] = []
    total = 0
    for _ in range(rounds):
        runs, elapsed = await rate(measured, seconds / rounds)
        mine.append(elapsed / runs)
        total += runs
        runs, elapsed = await rate(baseline, seconds / rounds)
        theirs.append(elapsed / runs)
    return statistics.median(mine), statistics.median(theirs), total


async def measure(seconds: float) -> None:
    signer = TestSigner()
    settings = GatewaySettings(
        internal_api_token=secrets.token_urlsafe(16), log_level="WARNING", product_upstream_url="http://product"
    )
    app = create_app(settings)
    pipeline: Pipeline = app.state.pipeline
    gatekeeper = pipeline.gatekeeper

    identity = CountingTransport(
        lambda _: httpx.Response(200, json={"keys": [signer.private_key.as_dict(private=False)]})
    )
    billing = CountingTransport(lambda _: httpx.Response(200, json=SNAPSHOT))
    upstream = CountingTransport(lambda _: httpx.Response(200, json={"ok": True}))
    gatekeeper.verifier.keys.http = httpx.AsyncClient(transport=identity)  # type: ignore[attr-defined]
    gatekeeper.billing.http = httpx.AsyncClient(transport=billing, base_url="http://billing")
    for name in (Upstream.PRODUCT, Upstream.BILLING):
        pipeline.forwarder.upstreams._clients[name] = httpx.AsyncClient(transport=upstream, base_url=f"http://{name}")
    # as once the replica consumes its eviction queue (the broker is not part of this measurement)
    gatekeeper.cache.ttl_seconds = settings.entitlement_cache_ttl_seconds

    token = signer.access_token(account_id=ACCOUNT, email_verified_at="2026-01-02T00:00:00+00:00")
    authorization = f"Bearer {token}"
    pro_route = pipeline.table.match("GET", "/api/v1/trees")
    public_route = pipeline.table.match("GET", "/api/v1/plans/public")
    assert str(pro_route.policy) == "pro"
    assert str(public_route.policy) == "public"

    async def check_pro() -> None:
        admission = await gatekeeper.admit(route=pro_route, path="/api/v1/trees", authorization=authorization)
        assert admission.snapshot is not None

    async def check_public() -> None:
        await gatekeeper.admit(route=public_route, path="/api/v1/plans/public", authorization=None)

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")
    headers = {"Authorization": authorization}

    async def request_pro() -> None:
        response = await client.get("/api/v1/trees", headers=headers)
        assert response.status_code == 200, response.text

    async def request_public() -> None:
        response = await client.get("/api/v1/plans/public")
        assert response.status_code == 200, response.text

    await request_pro()  # cold: fetches the JWKS and the snapshot once
    assert (identity.requests, billing.requests) == (1, 1)
    before = identity.requests + billing.requests

    per_check, per_public_check, checks = await per_run(check_pro, check_public, seconds)
    forwarded_before = upstream.requests
    per_request, per_public_request, requests = await per_run(request_pro, request_public, seconds)
    network_calls = identity.requests + billing.requests - before
    await client.aclose()

    print(f"{'warm pro check (verify + cached snapshot + guards):':52} {per_check * 1e6:9.1f} us  ({checks} runs)")
    print(f"{'public check (baseline):':52} {per_public_check * 1e6:9.1f} us")
    print(f"{'warm pro request through the app:':52} {per_request * 1e6:9.1f} us  ({requests} runs)")
    print(f"{'public request through the app (baseline):':52} {per_public_request * 1e6:9.1f} us")
    print(f"pro check / public check time ratio: {per_check / per_public_check:.1f}x")
    print(f"pro request / public request time ratio: {per_request / per_public_request:.2f}x")
    print(f"checks' share of a warm pro request: {per_check / per_request:.0%}")
    print(f"calls to identity or billing during the warm loops: {network_calls}")
    print(f"forwards to the upstream during the request loops: {upstream.requests - forwarded_before}")
    assert network_calls == 0, "a warm check must make no network call"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each measurement")
    args = parser.parse_args()
    asyncio.run(measure(args.seconds))


if __name__ == "__main__":
    main()
