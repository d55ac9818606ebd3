"""What a warm gateway check costs: token verification + cached snapshot + guards, in-process.

Builds the real gateway app (create_app) with its outgoing HTTP clients on counting in-memory
transports, warms it (JWKS and the account's snapshot fetched once), then measures for about
`--seconds` each:

- checks only: `Gatekeeper.admit` on a `pro` route (verify RS256, read the cache, run the guards)
  against the same call on a `public` route (baseline: no token, no snapshot);
- whole requests through the ASGI app: `GET /api/v1/trees` (pro) against `GET /api/v1/plans/public`
  (public), both forwarded to a bare aiohttp upstream on a local port in this process, so the ratio is
  what the checks add to a request.

It asserts that the warm loops make no call to identity or billing (requests counted on their
transports); only the forwards reach the upstream. Absolute times depend on the machine; compare ratios.

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
from aiohttp import web

from gateway.app import create_app
from gateway.forwarding.router import Pipeline
from gateway.settings import GatewaySettings
from shared.auth import TokenVerifier
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


class CountingUpstream:
    """The forwards' upstream: a bare aiohttp server answering `{"ok": true}`, counting what reaches it."""

    def __init__(self) -> None:
        self.requests = 0
        self.runner: web.AppRunner | None = None

    async def answer(self, _: web.Request) -> web.Response:
        self.requests += 1
        return web.json_response({"ok": True})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.answer)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def measure(seconds: float) -> None:
    signer = TestSigner()
    upstream = CountingUpstream()
    upstream_url = await upstream.start()
    settings = GatewaySettings(
        internal_api_token=secrets.token_urlsafe(16),
        log_level="WARNING",
        product_upstream_url=upstream_url,
        billing_internal_url=upstream_url,  # /plans/public is forwarded there; snapshots use the transport below
    )
    app = create_app(settings)
    pipeline: Pipeline = app.state.pipeline
    gatekeeper = pipeline.gatekeeper

    identity = CountingTransport(
        lambda _: httpx.Response(200, json={"keys": [signer.private_key.as_dict(private=False)]})
    )
    billing = CountingTransport(lambda _: httpx.Response(200, json=SNAPSHOT))
    gatekeeper.verifier.keys.http = httpx.AsyncClient(transport=identity)  # type: ignore[attr-defined]
    gatekeeper.billing.http = httpx.AsyncClient(transport=billing, base_url="http://billing")
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

    remembering = gatekeeper.verifier
    first_sight = TokenVerifier(remembering.keys, remembering.clock, remembered=0)

    async def verify_remembered() -> None:
        await remembering.verify_access(token)

    async def verify_first_sight() -> None:
        await first_sight.verify_access(token)

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

    per_remembered, per_first_sight, _ = await per_run(verify_remembered, verify_first_sight, seconds)
    per_check, per_public_check, checks = await per_run(check_pro, check_public, seconds)
    forwarded_before = upstream.requests
    per_request, per_public_request, requests = await per_run(request_pro, request_public, seconds)
    network_calls = identity.requests + billing.requests - before
    await client.aclose()
    await pipeline.forwarder.upstreams.aclose()
    await upstream.stop()

    print(f"{'token verification, first sight (RS256):':52} {per_first_sight * 1e6:9.1f} us")
    print(f"{'token verification, remembered token:':52} {per_remembered * 1e6:9.1f} us")
    print(f"first sight / remembered time ratio: {per_first_sight / per_remembered:.1f}x")
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
