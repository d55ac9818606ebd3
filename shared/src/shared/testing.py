"""Helpers for tests against the real PostgreSQL and RabbitMQ: throwaway databases and namespaces,
and polling with a deadline (tests never sleep to wait for asynchronous effects)."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aio_pika
import asyncpg
from sqlalchemy.engine import make_url

from shared.bus.names import RETRY_DELAYS_MS, BusNames

T = TypeVar("T")


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


async def create_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of `server_url`; returns its SQLAlchemy URL."""
    conn = await asyncpg.connect(_admin_dsn(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_admin_dsn(url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def delete_topology(amqp_url: str, names: BusNames, services: list[str]) -> None:
    """Remove the exchange and every queue a test stack declared under its namespace."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for service in services:
            queues = [names.queue(service), names.dlq(service)]
            queues += [names.retry_queue(service, label) for label, _ in RETRY_DELAYS_MS]
            for queue in queues:
                await channel.queue_delete(queue)
        await channel.exchange_delete(names.exchange)


async def poll(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition not met",
) -> T:
    """Call `probe` until it returns something other than None/False, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        await asyncio.sleep(interval)
