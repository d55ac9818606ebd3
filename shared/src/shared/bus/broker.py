"""RabbitMQ connection, message building and topology declaration."""

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from .names import RETRY_DELAYS_MS, BusNames

CONNECT_TIMEOUT_SECONDS = 5.0


async def connect(amqp_url: str) -> AbstractRobustConnection:
    """A connection that reconnects by itself after the first success."""
    return await aio_pika.connect_robust(amqp_url, timeout=CONNECT_TIMEOUT_SECONDS)


def build_message(envelope: Mapping[str, Any], headers: Mapping[str, Any], attempt: int = 1) -> aio_pika.Message:
    """The AMQP message of events.md §1 for an envelope dict."""
    return aio_pika.Message(
        body=json.dumps(envelope, separators=(",", ":")).encode(),
        message_id=str(envelope["id"]),
        type=str(envelope["type"]),
        app_id=str(envelope["producer"]),
        correlation_id=str(envelope.get("correlation_id") or ""),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        timestamp=datetime.fromisoformat(str(envelope["occurred_at"])),
        headers={**{k: str(v) for k, v in headers.items()}, "x-attempt": attempt},
    )


async def declare_exchange(channel: AbstractChannel, names: BusNames) -> AbstractExchange:
    return await channel.declare_exchange(names.exchange, aio_pika.ExchangeType.TOPIC, durable=True)


async def declare_service_queues(
    channel: AbstractChannel,
    names: BusNames,
    service: str,
    routing_keys: list[str],
    retry_delays_ms: tuple[tuple[str, int], ...] = RETRY_DELAYS_MS,
) -> aio_pika.abc.AbstractQueue:
    """Main queue bound to `routing_keys`, its delay queues and its dead-letter queue."""
    exchange = await declare_exchange(channel, names)
    queue = await channel.declare_queue(names.queue(service), durable=True)
    for key in routing_keys:
        await queue.bind(exchange, routing_key=key)
    for label, ttl in retry_delays_ms:
        await channel.declare_queue(
            names.retry_queue(service, label),
            durable=True,
            arguments={
                "x-message-ttl": ttl,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": names.queue(service),
            },
        )
    await channel.declare_queue(names.dlq(service), durable=True)
    return queue


class Publisher:
    """Publishes to the events exchange on a confirming channel; `publish` returns once confirmed."""

    def __init__(self, amqp_url: str, names: BusNames) -> None:
        self.amqp_url = amqp_url
        self.names = names
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def ensure_connected(self) -> None:
        """Connect if needed; raises when the broker is unreachable or the link is down."""
        await self._ensure()
        assert self._connection is not None
        if not self._connection.connected.is_set():
            raise ConnectionError("broker connection is down")

    async def _ensure(self) -> AbstractExchange:
        async with self._lock:
            if self._exchange is None or self._connection is None or self._connection.is_closed:
                if self._connection is not None:
                    await self._connection.close()
                    self._connection = None
                connection = await connect(self.amqp_url)
                try:
                    channel = await connection.channel(publisher_confirms=True)
                    self._exchange = await declare_exchange(channel, self.names)
                except BaseException:
                    await connection.close()
                    raise
                self._connection = connection
            return self._exchange

    async def publish(self, message: aio_pika.Message, routing_key: str, timeout: float = 10.0) -> None:
        exchange = await self._ensure()
        await exchange.publish(message, routing_key=routing_key, timeout=timeout)

    async def publish_many(
        self, messages: Sequence[tuple[aio_pika.Message, str]], timeout: float = 10.0
    ) -> list[BaseException | None]:
        """Send a window of messages in order without waiting for each confirm; wait for all of them.
        Returns, per message, None when confirmed or the error that prevented it."""
        exchange = await self._ensure()
        results = await asyncio.gather(
            *(exchange.publish(message, routing_key=key, timeout=timeout) for message, key in messages),
            return_exceptions=True,
        )
        return [r if isinstance(r, BaseException) else None for r in results]

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._exchange = None
