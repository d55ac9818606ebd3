"""Wiring only: the gateway app. No database and no ServiceRuntime; the shared pieces directly."""

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from gateway.access.service import Gatekeeper
from gateway.entitlements.billing import BillingClient
from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.subscriber import EntitlementEvents
from gateway.forwarding.proxy import Forwarder, Upstreams
from gateway.forwarding.router import Pipeline, catch_all
from gateway.ratelimit.client import TrustedProxies
from gateway.ratelimit.limiter import SlidingWindowLimiter
from gateway.ratelimit.service import RateLimits
from gateway.readiness import reachable_check, required_checks
from gateway.routing.errors import RouteTableError
from gateway.routing.table import RouteTable, Upstream, load_route_table
from gateway.settings import GatewaySettings, get_settings
from gateway.webapp.static import WebAppMiddleware, WebDistError, checked_dist_dir
from shared.auth import JwksCache, TokenVerifier
from shared.bus.names import BusNames
from shared.clock import Clock, SystemClock
from shared.errors import install_error_handlers
from shared.health import Check, health_router
from shared.log import RequestIdMiddleware, configure_logging
from shared.metrics import RequestMetricsMiddleware, ScrapeGauges, metrics_router
from shared.telemetry import instrument_app, setup_telemetry

SERVICE = "gateway"


def route_table_or_exit(settings: GatewaySettings) -> RouteTable:
    """The validated route table, or exit with one line naming the problem."""
    try:
        return load_route_table(settings.route_table_file)
    except RouteTableError as exc:
        print(f"configuration error: route table: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def trusted_proxies_or_exit(settings: GatewaySettings) -> TrustedProxies:
    try:
        return TrustedProxies.parse(settings.trusted_proxies)
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def web_dist_or_exit(settings: GatewaySettings) -> Path | None:
    if settings.web_dist_dir is None:
        return None
    try:
        return checked_dist_dir(settings.web_dist_dir)
    except WebDistError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def create_app(settings: GatewaySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    clock = clock or SystemClock()
    table = route_table_or_exit(settings)
    web_dist = web_dist_or_exit(settings)
    # counted in this replica's memory: each replica admits the full limit (see ratelimit/limiter.py)
    rate_limits = RateLimits(
        limiter=SlidingWindowLimiter(clock),
        trusted_proxies=trusted_proxies_or_exit(settings),
        enabled=settings.rate_limits_enabled,
    )
    configure_logging(SERVICE, settings.log_level)
    setup_telemetry(SERVICE, settings.otel_exporter_otlp_endpoint)

    services = {
        Upstream.IDENTITY: settings.identity_internal_url,
        Upstream.BILLING: settings.billing_internal_url,
        Upstream.ONBOARDING: settings.onboarding_internal_url,
        Upstream.NOTIFICATIONS: settings.notifications_internal_url,
    }
    upstreams = Upstreams(
        {**services, Upstream.PRODUCT: settings.product_upstream_url},
        connect_timeout_seconds=settings.upstream_connect_timeout_seconds,
    )
    internal_http = httpx.AsyncClient(timeout=settings.entitlements_timeout_seconds)
    billing_http = httpx.AsyncClient(
        base_url=settings.billing_internal_url.rstrip("/"), timeout=settings.entitlements_timeout_seconds
    )
    billing = BillingClient(billing_http, settings.internal_api_token)
    jwks_url = f"{settings.identity_internal_url.rstrip('/')}/.well-known/jwks.json"
    verifier = TokenVerifier(JwksCache(jwks_url, internal_http), clock)
    cache = EntitlementCache(billing.fetch_snapshot, clock, settings.entitlement_cache_ttl_seconds)
    events = EntitlementEvents(
        amqp_url=settings.amqp_url,
        names=BusNames(settings.events_exchange, settings.events_namespace),
        cache=cache,
        ttl_seconds=settings.entitlement_cache_ttl_seconds,
    )
    gatekeeper = Gatekeeper(
        verifier=verifier,
        cache=cache,
        billing=billing,
        clock=clock,
        grace_days=settings.verification_grace_days,
        guard_allowlist=table.guard_allowlist,
        rate_limits=rate_limits,
    )
    forwarder = Forwarder(
        upstreams=upstreams,
        billing=billing,
        max_body_bytes=settings.max_body_bytes,
        timeout_seconds=settings.upstream_timeout_seconds,
    )

    def required() -> dict[str, Check]:
        return required_checks(events, internal_http, {u.value: url for u, url in services.items()})

    def optional() -> dict[str, Check]:
        url = settings.product_upstream_url
        return {Upstream.PRODUCT.value: reachable_check(internal_http, url)} if url else {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # not awaited: the gateway serves (with short-lived snapshots) before the broker answers
        subscribing = asyncio.create_task(events.run())
        try:
            yield
        finally:
            subscribing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await subscribing
            await events.stop()
            await upstreams.aclose()
            await billing_http.aclose()
            await internal_http.aclose()

    app = FastAPI(title=SERVICE, lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.token_verifier = verifier
    app.state.entitlements = cache
    app.state.entitlement_events = events
    app.state.pipeline = Pipeline(table=table, gatekeeper=gatekeeper, forwarder=forwarder, rate_limits=rate_limits)
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["X-Request-Id"],
    )
    if web_dist is not None:
        app.add_middleware(WebAppMiddleware, dist_dir=web_dist)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(RequestMetricsMiddleware, service=SERVICE)
    app.include_router(health_router(required, optional))
    # the gateway's own, before the catch-all: never forwarded upstream (like /healthz)
    app.include_router(metrics_router(ScrapeGauges()))
    app.router.routes.append(catch_all)
    instrument_app(app)
    return app
