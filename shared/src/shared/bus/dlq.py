"""Operator tools for a service's dead-letter queue: list and replay (events.md §2)."""

import json
from dataclasses import dataclass
from typing import Any

import aio_pika

from .broker import connect
from .names import BusNames


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    type: str | None
    attempts: int
    last_error: str | None
    failed_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "type": self.type,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "failed_at": self.failed_at,
        }


def _describe(message: aio_pika.abc.AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}
    return DeadLetter(
        message_id=message.message_id,
        type=message.type,
        attempts=int(str(headers.get("x-attempt", 0))),
        last_error=str(headers["x-last-error"]) if "x-last-error" in headers else None,
        failed_at=str(headers["x-failed-at"]) if "x-failed-at" in headers else None,
    )


async def dlq_depth(amqp_url: str, names: BusNames, service: str) -> int:
    connection = await connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(names.dlq(service), durable=True, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def list_dead_letters(amqp_url: str, names: BusNames, service: str, limit: int = 100) -> list[DeadLetter]:
    """Peek: every message read is returned to the queue when the channel closes."""
    connection = await connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(names.dlq(service), durable=True, passive=True)
        found: list[DeadLetter] = []
        while len(found) < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            found.append(_describe(message))
        await channel.close()  # unacknowledged messages go back, in order
        return found


async def replay_dead_letters(amqp_url: str, names: BusNames, service: str, message_id: str | None = None) -> int:
    """Republish to `<service>.events` with `x-attempt` 1 (one id, or all); returns how many."""
    connection = await connect(amqp_url)
    replayed = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(names.dlq(service), durable=True, passive=True)
        depth = int(queue.declaration_result.message_count or 0)
        skipped: list[aio_pika.abc.AbstractIncomingMessage] = []
        for _ in range(depth):
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            if message_id is not None and message.message_id != message_id:
                skipped.append(message)
                continue
            headers = {k: v for k, v in (message.headers or {}).items() if k in ("traceparent", "tracestate")}
            headers["x-attempt"] = 1
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=message.body,
                    headers=headers,
                    content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=message.message_id,
                    type=message.type,
                    app_id=message.app_id,
                    correlation_id=message.correlation_id,
                    timestamp=message.timestamp,
                ),
                routing_key=names.queue(service),
            )
            await message.ack()
            replayed += 1
        for message in skipped:
            await message.nack(requeue=True)
    return replayed


def format_dead_letters(letters: list[DeadLetter]) -> str:
    return "\n".join(json.dumps(letter.as_dict()) for letter in letters)
