"""The idempotent inbox consumer: handler writes and the inbox row commit together; failures retry
through delay queues and end in the dead-letter queue; nothing failed is ever acknowledged as done."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.context import causation_id_var, correlation_id_var
from shared.db import SessionFactory
from shared.events import Envelope, EventData
from shared.telemetry import context_from_headers

from .broker import connect, declare_service_queues
from .names import RETRY_DELAYS_MS, BusNames
from .tables import inbox

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

D = TypeVar("D", bound=EventData)


@dataclass(frozen=True)
class Handler(Generic[D]):
    """How one event type is applied: its data model and the function run in the inbox transaction."""

    model: type[D]
    apply: Callable[[AsyncSession, Envelope, D], Awaitable[None]]
    versions: frozenset[int] = frozenset({1})


class PoisonMessage(Exception):
    """A message that can never be handled: bad envelope, unknown type or version, bad data."""


def retry_label(attempt: int, delays: tuple[tuple[str, int], ...]) -> str:
    """Delay queue for a message that just failed its `attempt`-th delivery (1 → first delay)."""
    return delays[min(attempt, len(delays)) - 1][0]


class InboxConsumer:
    def __init__(
        self,
        *,
        service: str,
        amqp_url: str,
        names: BusNames,
        factory: SessionFactory,
        handlers: Mapping[str, Handler[Any]],
        clock: Clock,
        max_attempts: int = 5,
        prefetch: int = 32,
        retry_delays_ms: tuple[tuple[str, int], ...] = RETRY_DELAYS_MS,
    ) -> None:
        self.service = service
        self.amqp_url = amqp_url
        self.names = names
        self.factory = factory
        self.handlers = dict(handlers)
        self.clock = clock
        self.max_attempts = max_attempts
        self.prefetch = prefetch
        self.retry_delays_ms = retry_delays_ms
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._consuming = False

    @property
    def is_connected(self) -> bool:
        """True once the queues are declared and consuming, while the broker link is up."""
        return self._consuming and self._connection is not None and self._connection.connected.is_set()

    async def start(self) -> None:
        self._connection = await connect(self.amqp_url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        queue = await declare_service_queues(
            channel, self.names, self.service, sorted(self.handlers), self.retry_delays_ms
        )
        await queue.consume(self.on_message)
        self._consuming = True

    async def start_when_possible(self, retry_seconds: float = 2.0) -> None:
        """Start, retrying until the broker is reachable (a service may boot before RabbitMQ)."""
        while True:
            try:
                await self.start()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer cannot start yet", extra={"error": repr(exc)})
                if self._connection is not None:
                    await self._connection.close()
                    self._connection = None
                await asyncio.sleep(retry_seconds)

    async def stop(self) -> None:
        self._consuming = False
        if self._connection is not None:
            await self._connection.close()
        self._connection = None

    def _parse(self, message: AbstractIncomingMessage) -> tuple[Envelope, Handler[Any], EventData]:
        try:
            envelope = Envelope.model_validate_json(message.body)
        except ValidationError as exc:
            raise PoisonMessage(f"envelope does not parse: {exc.error_count()} error(s)") from None
        handler = self.handlers.get(envelope.type)
        if handler is None:
            raise PoisonMessage(f"no handler for type {envelope.type}")
        if envelope.version not in handler.versions:
            raise PoisonMessage(f"unsupported version {envelope.version} of {envelope.type}")
        try:
            data = handler.model.model_validate(envelope.data)
        except ValidationError as exc:
            raise PoisonMessage(f"data of {envelope.type} does not validate: {exc.errors()[0]['loc']}") from None
        return envelope, handler, data

    async def apply(self, envelope: Envelope, handler: Handler[Any], data: EventData) -> bool:
        """Run the handler and record the inbox row in one transaction; False when already applied."""
        corr = correlation_id_var.set(envelope.correlation_id)
        cause = causation_id_var.set(envelope.id)
        try:
            async with self.factory() as session, session.begin():
                claimed = await session.execute(
                    insert(inbox)
                    .values(event_id=envelope.id, type=envelope.type)
                    .on_conflict_do_nothing(index_elements=["event_id"])
                    .returning(inbox.c.event_id)
                )
                if claimed.first() is None:
                    return False
                await handler.apply(session, envelope, data)
                return True
        finally:
            causation_id_var.reset(cause)
            correlation_id_var.reset(corr)

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        headers = dict(message.headers or {})
        attempt = int(str(headers.get("x-attempt", 1)))
        token = otel_context.attach(context_from_headers(headers))
        try:
            with tracer.start_as_current_span(
                f"consume {message.type or message.routing_key}", kind=trace.SpanKind.CONSUMER
            ):
                try:
                    envelope, handler, data = self._parse(message)
                except PoisonMessage as exc:
                    log.error("poison message dead-lettered", extra={"error": str(exc)})
                    await self._forward(message, self.names.dlq(self.service), attempt, exc)
                    return
                try:
                    applied = await self.apply(envelope, handler, data)
                except Exception as exc:
                    log.warning(
                        "event handler failed",
                        extra={
                            "event_id": str(envelope.id),
                            "type": envelope.type,
                            "attempt": attempt,
                            "error": f"{type(exc).__name__}: {exc}",
                        },
                    )
                    if attempt >= self.max_attempts:
                        await self._forward(message, self.names.dlq(self.service), attempt, exc)
                    else:
                        label = retry_label(attempt, self.retry_delays_ms)
                        await self._forward(message, self.names.retry_queue(self.service, label), attempt + 1, exc)
                    return
                if not applied:
                    log.info("duplicate event skipped", extra={"event_id": str(envelope.id)})
                await message.ack()
        finally:
            otel_context.detach(token)

    async def _forward(self, message: AbstractIncomingMessage, queue: str, attempt: int, error: BaseException) -> None:
        """Publish a copy (confirmed) to a retry or dead-letter queue, then ack the original.
        If the copy cannot be published, the original is requeued instead: never lost."""
        headers: dict[str, Any] = dict(message.headers or {})
        headers["x-attempt"] = attempt
        if queue == self.names.dlq(self.service):
            headers.update(
                {
                    "x-last-error": f"{type(error).__name__}: {error}"[:1000],
                    "x-failed-at": self.clock.now().isoformat(),
                    "x-consumer": self.service,
                    "x-original-routing-key": headers.get("x-original-routing-key") or message.type or "",
                }
            )
        copy = aio_pika.Message(
            body=message.body,
            headers=headers,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            type=message.type,
            app_id=message.app_id,
            correlation_id=message.correlation_id,
            timestamp=message.timestamp,
        )
        try:
            assert self._publish_channel is not None
            await self._publish_channel.default_exchange.publish(copy, routing_key=queue, timeout=10)
        except Exception as exc:
            log.error("could not forward failed message; requeueing", extra={"error": repr(exc)})
            await message.nack(requeue=True)
            return
        await message.ack()
