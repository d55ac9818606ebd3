"""The outbox's guarantees: committed events reach the broker even across crashes and outages."""

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime

import aio_pika
from sqlalchemy import func, select, text

from shared.bus.broker import Publisher, connect, declare_exchange
from shared.bus.names import BusNames
from shared.bus.outbox import Outbox
from shared.bus.relay import OutboxRelay
from shared.bus.tables import outbox
from shared.clock import SystemClock
from shared.db import SessionFactory
from shared.events import SalesLeadCreated
from shared.testing import poll

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
CLOSED_PORT_URL = "amqp://guest:guest@127.0.0.1:1/"


def lead(n: int = 0) -> SalesLeadCreated:
    return SalesLeadCreated(
        lead_id=uuid.uuid4(),
        email=f"lead{n}@example.com",
        name="Lead",
        company="Shop",
        source="pricing_page",
        recipient_email="sales@example.com",
        created_at=datetime.now(UTC),
    )


async def bound_queue(
    names: BusNames,
) -> tuple[aio_pika.abc.AbstractRobustConnection, aio_pika.abc.AbstractQueue]:
    connection = await connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await declare_exchange(channel, names)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="#")
    return connection, queue


async def drain(queue: aio_pika.abc.AbstractQueue, expected: int, timeout: float = 10.0) -> list[dict[str, object]]:
    bodies: list[dict[str, object]] = []

    async def more() -> bool:
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            bodies.append(json.loads(message.body))
        return len(bodies) >= expected

    await poll(more, timeout=timeout, message=f"{expected} messages")
    return bodies


async def stop(task: "asyncio.Task[None]") -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def relay_for(factory: SessionFactory, database_url: str, publisher: Publisher) -> OutboxRelay:
    return OutboxRelay(
        factory=factory,
        listen_dsn=database_url.replace("+asyncpg", ""),
        publisher=publisher,
        clock=SystemClock(),
        poll_seconds=0.2,
        max_backoff_seconds=0.2,
    )


async def test_event_committed_before_relay_crash_is_published_after_restart(
    factory: SessionFactory, database_url: str, names: BusNames, clean_outbox: None
) -> None:
    connection, queue = await bound_queue(names)
    writer = Outbox("test", SystemClock())
    async with factory() as session, session.begin():
        envelope = await writer.add(session, lead())
    # The relay "crashed" between commit and publish: no relay ran. A new one starts now.
    publisher = Publisher(AMQP_URL, names)
    relay = relay_for(factory, database_url, publisher)
    task = asyncio.create_task(relay.run())
    try:
        bodies = await drain(queue, 1)
    finally:
        await stop(task)
        await publisher.close()
        await connection.close()
    assert bodies[0]["id"] == str(envelope.id)
    assert bodies[0]["type"] == "sales.lead.created"
    async with factory() as session:
        published_at = await session.scalar(select(outbox.c.published_at).where(outbox.c.id == envelope.id))
    assert published_at is not None


async def test_relay_wakes_on_notify_and_publishes_in_creation_order(
    factory: SessionFactory, database_url: str, names: BusNames, clean_outbox: None
) -> None:
    connection, queue = await bound_queue(names)
    publisher = Publisher(AMQP_URL, names)
    relay = OutboxRelay(
        factory=factory,
        listen_dsn=database_url.replace("+asyncpg", ""),
        publisher=publisher,
        clock=SystemClock(),
        poll_seconds=30.0,  # a long poll: only NOTIFY can explain a prompt publish
    )
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # let the listener connect (setup, not a wait for the effect under test)
        writer = Outbox("test", SystemClock())
        async with factory() as session, session.begin():
            ids = [(await writer.add(session, lead(n))).id for n in range(5)]
        bodies = await drain(queue, 5, timeout=5.0)
    finally:
        await stop(task)
        await publisher.close()
        await connection.close()
    assert [b["id"] for b in bodies] == [str(i) for i in ids]


async def test_publish_while_broker_unreachable_is_kept_and_sent_when_it_returns(
    factory: SessionFactory, database_url: str, names: BusNames, clean_outbox: None
) -> None:
    writer = Outbox("test", SystemClock())
    async with factory() as session, session.begin():
        envelope = await writer.add(session, lead())

    down = Publisher(CLOSED_PORT_URL, names)
    published, failed = await relay_for(factory, database_url, down).publish_pending()
    assert (published, failed) == (0, 1)
    async with factory() as session:
        row = (await session.execute(select(outbox).where(outbox.c.id == envelope.id))).one()
    assert row.published_at is None
    assert row.attempts == 1
    assert row.last_error

    connection, queue = await bound_queue(names)
    up = Publisher(AMQP_URL, names)
    try:
        assert await relay_for(factory, database_url, up).publish_pending() == (1, 0)
        bodies = await drain(queue, 1)
    finally:
        await up.close()
        await connection.close()
    assert bodies[0]["id"] == str(envelope.id)


async def test_rolled_back_transaction_publishes_nothing(
    factory: SessionFactory, database_url: str, names: BusNames, clean_outbox: None
) -> None:
    writer = Outbox("test", SystemClock())
    try:
        async with factory() as session, session.begin():
            await writer.add(session, lead())
            raise RuntimeError("business rule failed after the event was written")
    except RuntimeError:
        pass
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(outbox)) == 0


async def test_two_relays_never_publish_a_row_twice(
    factory: SessionFactory, database_url: str, names: BusNames, clean_outbox: None
) -> None:
    writer = Outbox("test", SystemClock())
    async with factory() as session, session.begin():
        for n in range(60):
            await writer.add(session, lead(n))
    connection, queue = await bound_queue(names)
    first, second = Publisher(AMQP_URL, names), Publisher(AMQP_URL, names)
    relay_a, relay_b = relay_for(factory, database_url, first), relay_for(factory, database_url, second)
    relay_a.batch_size = relay_b.batch_size = 10
    try:
        while True:
            results = await asyncio.gather(relay_a.publish_pending(), relay_b.publish_pending())
            if all(r == (0, 0) for r in results):
                break
        bodies = await drain(queue, 60)
        await asyncio.sleep(0.2)  # give any duplicate time to arrive before counting
        bodies += await drain(queue, 0)
    finally:
        await first.close()
        await second.close()
        await connection.close()
    assert len(bodies) == 60
    assert len({b["id"] for b in bodies}) == 60
    async with factory() as session:
        assert await session.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) == 0
