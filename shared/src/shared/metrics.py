"""Prometheus metrics at `GET /metrics`: request rate, latency and errors per route template, and gauges
that need I/O (outbox lag, queue depths) computed on scrape, with a timeout, never on the request path.

Counters live in the process's default registry: one process runs one service. Scrape-time gauges are
per app, so two apps in one test process each report their own."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.bus.names import BusNames

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
# where a catch-all route (the gateway's) puts the template it matched, so the label stays bounded
ROUTE_TEMPLATE_SCOPE_KEY = "metrics.route_template"
UNMATCHED_ROUTE = "unmatched"

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template and status class (5xx are the errors).",
    ["service", "method", "route", "status_class"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# the scrape-time gauges of every service with a runtime (names referenced by deploy/observability)
OUTBOX_BACKLOG = "outbox_backlog"
OUTBOX_LAG = "outbox_oldest_unpublished_age_seconds"
CONSUMER_LAG = "events_consumer_lag_messages"
DEAD_LETTERS = "events_dead_letters"
GAUGE_HELP = {
    OUTBOX_BACKLOG: "Outbox rows committed but not yet published.",
    OUTBOX_LAG: "Age of the oldest unpublished outbox row (0 when none).",
    CONSUMER_LAG: "Messages ready in the service's events queue.",
    DEAD_LETTERS: "Messages in the service's dead-letter queue.",
}


def set_route_template(scope: MutableMapping[str, Any], template: str) -> None:
    """Label this request with `template` (a catch-all route calls it once it knows the real route)."""
    scope[ROUTE_TEMPLATE_SCOPE_KEY] = template


def route_template(scope: Mapping[str, Any]) -> str:
    """The matched route's template, never the raw path (whose ids would make the label unbounded)."""
    explicit = scope.get(ROUTE_TEMPLATE_SCOPE_KEY)
    if isinstance(explicit, str):
        return explicit
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


class RequestMetricsMiddleware:
    """Counts and times every HTTP request but the scrape itself; an unhandled error counts as 500."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == METRICS_PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_template(scope)
            method = str(scope["method"])
            HTTP_REQUESTS.labels(self.service, method, route, f"{status // 100}xx").inc()
            HTTP_LATENCY.labels(self.service, method, route).observe(time.perf_counter() - started)


@dataclass(frozen=True)
class Sample:
    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)


Probe = Callable[[], Awaitable[list[Sample]]]


@dataclass
class _Cached:
    probe: Probe
    cache_seconds: float
    samples: list[Sample] = field(default_factory=list)
    taken_at: float = float("-inf")


class ScrapeGauges:
    """Gauges read from the database or the broker when Prometheus scrapes; each probe has `timeout`
    seconds and may keep its answer for a few seconds. A probe that fails or times out is left out of
    that scrape (a missing series, not a false zero)."""

    def __init__(self, *, timeout: float = 2.0) -> None:
        self.timeout = timeout
        self._probes: list[_Cached] = []

    def add(self, probe: Probe, *, cache_seconds: float = 0.0) -> None:
        self._probes.append(_Cached(probe, cache_seconds))

    async def _read(self, cached: _Cached) -> list[Sample]:
        now = time.monotonic()
        if now - cached.taken_at < cached.cache_seconds:
            return cached.samples
        try:
            cached.samples = await asyncio.wait_for(cached.probe(), self.timeout)
        except Exception as exc:
            log.warning("metrics probe failed", extra={"error": repr(exc)})
            return []
        cached.taken_at = now
        return cached.samples

    async def samples(self) -> list[Sample]:
        found = await asyncio.gather(*(self._read(c) for c in self._probes))
        return [s for samples in found for s in samples]


class _SampleCollector(Collector):
    def __init__(self, samples: Iterable[Sample]) -> None:
        self._samples = list(samples)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for sample in self._samples:
            family = families.get(sample.name)
            if family is None:
                family = GaugeMetricFamily(
                    sample.name, GAUGE_HELP.get(sample.name, sample.name), labels=list(sample.labels)
                )
                families[sample.name] = family
            family.add_metric(list(sample.labels.values()), sample.value)
        return families.values()


async def exposition(gauges: ScrapeGauges) -> bytes:
    """The process's counters and this app's scrape-time gauges, in Prometheus text format."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_SampleCollector(await gauges.samples()))
    return generate_latest(REGISTRY) + generate_latest(scraped)


def metrics_router(gauges: ScrapeGauges) -> APIRouter:
    router = APIRouter()

    @router.get(METRICS_PATH, include_in_schema=False)
    async def metrics() -> Response:
        return Response(await exposition(gauges), media_type=CONTENT_TYPE_LATEST)

    return router


def outbox_probe(service: str, engine: AsyncEngine) -> Probe:
    """Backlog and lag of the service's outbox, from the database's own clock."""

    async def probe() -> list[Sample]:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT count(*) AS backlog,"
                        " coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0) AS lag"
                        " FROM outbox WHERE published_at IS NULL"
                    )
                )
            ).one()
        labels = {"service": service}
        return [Sample(OUTBOX_BACKLOG, float(row.backlog), labels), Sample(OUTBOX_LAG, float(row.lag), labels)]

    return probe


class QueueDepths:
    """Depth of the service's events queue and dead-letter queue by passive declare, on a connection
    of its own opened at the first scrape (a missing queue just leaves its series out)."""

    def __init__(self, *, service: str, amqp_url: str, names: BusNames) -> None:
        self.service = service
        self.amqp_url = amqp_url
        self.names = names
        self._connection: Any = None
        self._lock = asyncio.Lock()

    async def _channel(self) -> Any:
        from shared.bus.broker import connect

        async with self._lock:
            if self._connection is None or self._connection.is_closed:
                self._connection = await connect(self.amqp_url)
            return await self._connection.channel()

    async def _depth(self, queue: str) -> int | None:
        channel = await self._channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
            return int(declared.declaration_result.message_count or 0)
        except Exception as exc:  # the queue does not exist (yet): the channel is closed by the broker
            log.debug("queue depth unavailable", extra={"queue": queue, "error": repr(exc)})
            return None
        finally:
            if not channel.is_closed:
                await channel.close()

    async def probe(self) -> list[Sample]:
        labels = {"service": self.service}
        found = [
            (CONSUMER_LAG, await self._depth(self.names.queue(self.service))),
            (DEAD_LETTERS, await self._depth(self.names.dlq(self.service))),
        ]
        return [Sample(name, float(depth), labels) for name, depth in found if depth is not None]

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
