"""What every service runs beside its HTTP API: database, outbox relay, inbox consumer, token verifier."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from shared.auth import JwksCache, TokenVerifier
from shared.bus.broker import Publisher
from shared.bus.consumer import Handler, InboxConsumer
from shared.bus.names import RETRY_DELAYS_MS, BusNames
from shared.bus.outbox import Outbox
from shared.bus.relay import OutboxRelay
from shared.clock import Clock, SystemClock
from shared.db import asyncpg_dsn, create_engine, make_session_factory
from shared.errors import install_error_handlers
from shared.health import Check, database_check, health_router
from shared.log import RequestIdMiddleware, configure_logging
from shared.metrics import QueueDepths, RequestMetricsMiddleware, ScrapeGauges, metrics_router, outbox_probe
from shared.settings import CommonSettings
from shared.telemetry import instrument_app, setup_telemetry


class ServiceRuntime:
    def __init__(
        self,
        *,
        service: str,
        settings: CommonSettings,
        database_url: str,
        handlers: Mapping[str, Handler[Any]] | Callable[["ServiceRuntime"], Mapping[str, Handler[Any]]] | None = None,
        clock: Clock | None = None,
        max_attempts: int | None = None,
        retry_delays_ms: tuple[tuple[str, int], ...] = RETRY_DELAYS_MS,
    ) -> None:
        """`handlers` may be a function of the runtime, for handlers that need its outbox or clock;
        `max_attempts` overrides EVENT_MAX_ATTEMPTS (notifications uses EMAIL_MAX_ATTEMPTS); `retry_delays_ms`
        replaces the delay queues of events.md (tests use short ones, under a namespace of their own)."""
        self.service = service
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = create_engine(database_url)
        self.factory = make_session_factory(self.engine)
        self.names = BusNames(settings.events_exchange, settings.events_namespace)
        self.outbox = Outbox(service, self.clock)
        self.publisher = Publisher(settings.amqp_url, self.names)
        self.relay = OutboxRelay(
            factory=self.factory,
            listen_dsn=asyncpg_dsn(database_url),
            publisher=self.publisher,
            clock=self.clock,
        )
        if callable(handlers):
            handlers = handlers(self)
        self.consumer = (
            InboxConsumer(
                service=service,
                amqp_url=settings.amqp_url,
                names=self.names,
                factory=self.factory,
                handlers=handlers,
                clock=self.clock,
                max_attempts=max_attempts or settings.event_max_attempts,
                retry_delays_ms=retry_delays_ms,
            )
            if handlers
            else None
        )
        self.http = httpx.AsyncClient(timeout=10.0)
        jwks_url = f"{settings.identity_internal_url.rstrip('/')}/.well-known/jwks.json"
        self.token_verifier = TokenVerifier(JwksCache(jwks_url, self.http), self.clock)
        self._tasks: list[asyncio.Task[None]] = []
        self._cleanups: list[Callable[[], Awaitable[None]]] = []

    def add_cleanup(self, close: Callable[[], Awaitable[None]]) -> None:
        """Something to close when the runtime stops (after its jobs are cancelled)."""
        self._cleanups.append(close)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.service}-relay"))
        if self.consumer is not None:
            self._tasks.append(asyncio.create_task(self.consumer.start_when_possible(), name="consumer"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for close in self._cleanups:
            with contextlib.suppress(Exception):
                await close()
        if self.consumer is not None:
            await self.consumer.stop()
        await self.publisher.close()
        await self.http.aclose()
        await self.engine.dispose()

    async def _broker_check(self) -> None:
        await self.publisher.ensure_connected()
        if self.consumer is not None and not self.consumer.is_connected:
            raise RuntimeError("consumer not connected")

    def checks(self) -> dict[str, Check]:
        return {"database": database_check(self.engine), "broker": self._broker_check}


def scrape_gauges(runtime: ServiceRuntime) -> ScrapeGauges:
    """Outbox lag and backlog on every scrape; queue depths (a passive declare each) kept a few seconds."""
    gauges = ScrapeGauges()
    gauges.add(outbox_probe(runtime.service, runtime.engine))
    if runtime.consumer is not None:
        depths = QueueDepths(service=runtime.service, amqp_url=runtime.settings.amqp_url, names=runtime.names)
        gauges.add(depths.probe, cache_seconds=5.0)
        runtime.add_cleanup(depths.close)
    return gauges


def create_service_app(
    *,
    runtime_factory: Callable[[], ServiceRuntime],
    routers: Sequence[APIRouter],
    title: str,
    on_start: Callable[[ServiceRuntime, FastAPI], Awaitable[None]] | None = None,
) -> FastAPI:
    """A FastAPI app with the platform's plumbing: logging, errors, request ids, health, tracing,
    and the runtime (relay, consumer) started and stopped with the app."""

    runtime = runtime_factory()
    configure_logging(runtime.service, runtime.settings.log_level)
    setup_telemetry(runtime.service, runtime.settings.otel_exporter_otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if on_start is not None:
            await on_start(runtime, app)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.token_verifier = runtime.token_verifier
    app.state.internal_api_token = runtime.settings.internal_api_token
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(RequestMetricsMiddleware, service=runtime.service)
    app.include_router(health_router(runtime.checks))
    app.include_router(metrics_router(scrape_gauges(runtime)))
    for router in routers:
        app.include_router(router)
    instrument_app(app)
    return app
