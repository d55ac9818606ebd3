"""The gateway's link to billing's events (events.md §2): one exclusive, auto-delete queue per replica,
bound to `billing.#`; no inbox (evicting twice is harmless) and no dead-letter queue.

While the link is down, events are lost with the replica's queue, so the cache is kept safe:
every snapshot is dropped when the link goes down and again once it is back (a fresh queue declared,
bound and consumed first), and in between snapshots live at most `outage_ttl_seconds`. A missed
eviction therefore never outlives an outage by more than that.
"""

import asyncio
import contextlib
import logging
import secrets

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from opentelemetry import context as otel_context
from opentelemetry import trace

from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.events import apply_billing_event
from shared.bus.broker import CONNECT_TIMEOUT_SECONDS, declare_exchange
from shared.bus.names import BusNames
from shared.telemetry import context_from_headers

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

BINDING = "billing.#"
OUTAGE_TTL_SECONDS = 5.0
PREFETCH = 32


class EntitlementEvents:
    """Consumes `billing.*` into cache evictions; `is_live` while the queue is consumed on a live link."""

    def __init__(
        self,
        *,
        amqp_url: str,
        names: BusNames,
        cache: EntitlementCache,
        ttl_seconds: float,
        outage_ttl_seconds: float = OUTAGE_TTL_SECONDS,
        replica_id: str | None = None,
    ) -> None:
        self.amqp_url = amqp_url
        self.names = names
        self.cache = cache
        self.ttl_seconds = ttl_seconds
        self.outage_ttl_seconds = min(outage_ttl_seconds, ttl_seconds)
        self.replica_id = replica_id or secrets.token_hex(8)
        self.queue_name = names.gateway_queue(self.replica_id)
        self._connection: AbstractConnection | None = None
        self._live = False
        self.cache.ttl_seconds = self.outage_ttl_seconds  # not live until the queue is consumed

    @property
    def is_live(self) -> bool:
        return self._live

    async def run(self, retry_seconds: float = 1.0) -> None:
        """Consume for as long as the app runs. Each time the link is (re)made, a fresh queue is declared,
        bound and consumed before the replica goes live; when the link drops, it goes down and starts over.
        (aio-pika's robust channel restore was not relied on: after a long outage it could leave the
        replica believing it was live with no queue bound.)"""
        while True:
            try:
                connection = await aio_pika.connect(self.amqp_url, timeout=CONNECT_TIMEOUT_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("entitlement events cannot connect yet", extra={"error": repr(exc)})
                await asyncio.sleep(retry_seconds)
                continue
            closed = asyncio.Event()
            connection.close_callbacks.add(lambda *_, link_closed=closed: link_closed.set())
            self._connection = connection
            try:
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=PREFETCH)
                exchange = await declare_exchange(channel, self.names)
                queue = await channel.declare_queue(self.queue_name, exclusive=True, auto_delete=True)
                await queue.bind(exchange, routing_key=BINDING)
                await queue.consume(self.on_message)
                self._went_live()
                await closed.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("entitlement events link failed", extra={"error": repr(exc)})
            finally:
                self._connection = None
                self._went_down()
                with contextlib.suppress(Exception):
                    await connection.close()
            await asyncio.sleep(retry_seconds)

    async def stop(self) -> None:
        """After the `run` task is cancelled: nothing is consumed any more."""
        self._live = False
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    def _went_live(self) -> None:
        self.cache.evict_all()  # whatever happened while no queue was bound is unknown
        self.cache.ttl_seconds = self.ttl_seconds
        self._live = True
        log.info("entitlement events live", extra={"queue": self.queue_name})

    def _went_down(self) -> None:
        if not self._live and self.cache.ttl_seconds == self.outage_ttl_seconds:
            return  # already down (a failed connect attempt)
        self._live = False
        self.cache.ttl_seconds = self.outage_ttl_seconds
        self.cache.evict_all()
        log.warning("entitlement events down; snapshots dropped", extra={"queue": self.queue_name})

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        """Evict, then acknowledge whatever happened: a malformed message is logged, never requeued."""
        token = otel_context.attach(context_from_headers(dict(message.headers or {})))
        try:
            with tracer.start_as_current_span(f"consume {message.routing_key}", kind=trace.SpanKind.CONSUMER) as span:
                outcome = apply_billing_event(self.cache, message.body, message.routing_key or "")
                span.set_attribute("gateway.eviction", outcome.action)
                log.debug("billing event applied", extra={"type": outcome.event_type, "action": outcome.action})
        finally:
            otel_context.detach(token)
            try:
                await message.ack()
            except Exception as exc:  # the channel went away: the broker redelivers, evicting twice is harmless
                log.warning("billing event ack failed", extra={"error": repr(exc)})
