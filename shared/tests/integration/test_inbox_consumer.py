"""The inbox's guarantees: duplicates applied once, failures retried with backoff, then dead-lettered."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus.broker import Publisher, build_message, connect
from shared.bus.consumer import Handler, InboxConsumer
from shared.bus.dlq import list_dead_letters, replay_dead_letters
from shared.bus.names import BusNames
from shared.bus.tables import inbox
from shared.clock import SystemClock
from shared.db import SessionFactory
from shared.events import Envelope, SalesLeadCreated
from shared.testing import poll

from ..conftest import AMQP_URL, applied

FAST_DELAYS = (("5s", 50), ("30s", 100), ("2m", 150), ("10m", 200))


def lead_envelope() -> Envelope:
    data = SalesLeadCreated(
        lead_id=uuid.uuid4(),
        email="lead@example.com",
        name="Lead",
        company="Shop",
        source="pricing_page",
        recipient_email="sales@example.com",
        created_at=datetime.now(UTC),
    )
    return Envelope(
        id=uuid.uuid4(),
        type="sales.lead.created",
        occurred_at=datetime.now(UTC),
        producer="onboarding",
        correlation_id="req-1",
        data=data.model_dump(mode="json"),
    )


class Recorder:
    """A handler that counts its applications in the database and can be told to fail first."""

    def __init__(self, fail_times: int = 0) -> None:
        self.fail_times = fail_times
        self.calls = 0
        self.call_times: list[float] = []

    async def apply(self, session: AsyncSession, event: Envelope, data: SalesLeadCreated) -> None:
        self.calls += 1
        self.call_times.append(asyncio.get_running_loop().time())
        if self.calls <= self.fail_times:
            raise RuntimeError(f"handler failure #{self.calls}")
        await session.execute(
            insert(applied)
            .values(event_id=event.id, n=1)
            .on_conflict_do_update(index_elements=["event_id"], set_={"n": applied.c.n + 1})
        )


@pytest.fixture
async def publisher(names: BusNames) -> AsyncIterator[Publisher]:
    pub = Publisher(AMQP_URL, names)
    yield pub
    await pub.close()


@contextlib.asynccontextmanager
async def running(consumer: InboxConsumer) -> AsyncIterator[InboxConsumer]:
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


def consumer_for(factory: SessionFactory, names: BusNames, recorder: Recorder, max_attempts: int = 5) -> InboxConsumer:
    return InboxConsumer(
        service="svc",
        amqp_url=AMQP_URL,
        names=names,
        factory=factory,
        handlers={"sales.lead.created": Handler(SalesLeadCreated, recorder.apply)},
        clock=SystemClock(),
        max_attempts=max_attempts,
        retry_delays_ms=FAST_DELAYS,
    )


async def times_applied(factory: SessionFactory, event_id: uuid.UUID) -> int:
    async with factory() as session:
        return int(
            await session.scalar(select(func.coalesce(applied.c.n, 0)).where(applied.c.event_id == event_id)) or 0
        )


async def test_message_delivered_twice_is_applied_once(
    factory: SessionFactory, names: BusNames, publisher: Publisher
) -> None:
    recorder = Recorder()
    envelope = lead_envelope()
    async with running(consumer_for(factory, names, recorder)):
        message = envelope.model_dump(mode="json")
        await publisher.publish(build_message(message, {}), envelope.type)
        await publisher.publish(build_message(message, {}), envelope.type)

        async def both_seen() -> bool:
            async with factory() as session:
                seen = await session.scalar(
                    select(func.count()).select_from(inbox).where(inbox.c.event_id == envelope.id)
                )
            return seen == 1 and recorder.calls >= 1

        await poll(both_seen, message="event applied")
        await asyncio.sleep(0.3)  # leave the duplicate time to arrive, so its skip is what we observe
    assert await times_applied(factory, envelope.id) == 1
    assert recorder.calls == 1


async def test_handler_failing_twice_is_retried_with_backoff_then_applied(
    factory: SessionFactory, names: BusNames, publisher: Publisher
) -> None:
    recorder = Recorder(fail_times=2)
    envelope = lead_envelope()
    async with running(consumer_for(factory, names, recorder)):
        await publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)

        async def done() -> bool:
            return await times_applied(factory, envelope.id) == 1

        await poll(done, message="applied after retries")
    assert recorder.calls == 3
    gaps = [b - a for a, b in zip(recorder.call_times, recorder.call_times[1:], strict=False)]
    assert gaps[0] >= 0.045
    assert gaps[1] >= 0.095


async def test_handler_that_always_fails_lands_in_dead_letter_queue_with_its_error(
    factory: SessionFactory, names: BusNames, publisher: Publisher
) -> None:
    recorder = Recorder(fail_times=100)
    envelope = lead_envelope()
    async with running(consumer_for(factory, names, recorder, max_attempts=3)):
        await publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)

        async def dead() -> bool:
            return len(await list_dead_letters(AMQP_URL, names, "svc")) == 1

        await poll(dead, message="dead-lettered")
    assert recorder.calls == 3
    [letter] = await list_dead_letters(AMQP_URL, names, "svc")
    assert letter.message_id == str(envelope.id)
    assert letter.attempts == 3
    assert letter.last_error == "RuntimeError: handler failure #3"
    assert letter.failed_at is not None
    assert await times_applied(factory, envelope.id) == 0


async def test_replayed_dead_letter_is_applied_once_the_handler_works(
    factory: SessionFactory, names: BusNames, publisher: Publisher
) -> None:
    failing = Recorder(fail_times=100)
    envelope = lead_envelope()
    async with running(consumer_for(factory, names, failing, max_attempts=1)):
        await publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)

        async def dead() -> bool:
            return len(await list_dead_letters(AMQP_URL, names, "svc")) == 1

        await poll(dead, message="dead-lettered")
    fixed = Recorder()
    async with running(consumer_for(factory, names, fixed)):
        assert await replay_dead_letters(AMQP_URL, names, "svc", str(envelope.id)) == 1

        async def done() -> bool:
            return await times_applied(factory, envelope.id) == 1

        await poll(done, message="applied after replay")
    assert await list_dead_letters(AMQP_URL, names, "svc") == []


async def test_poison_message_goes_straight_to_dead_letter_queue(
    factory: SessionFactory, names: BusNames, publisher: Publisher
) -> None:
    recorder = Recorder()
    async with running(consumer_for(factory, names, recorder)):
        bad = build_message(
            {
                "id": str(uuid.uuid4()),
                "type": "sales.lead.created",
                "producer": "x",
                "occurred_at": "2026-01-01T00:00:00+00:00",
            },
            {},
        )
        bad.body = json.dumps({"not": "an envelope"}).encode()
        await publisher.publish(bad, "sales.lead.created")

        async def dead() -> bool:
            return len(await list_dead_letters(AMQP_URL, names, "svc")) == 1

        await poll(dead, message="poison dead-lettered")
    [letter] = await list_dead_letters(AMQP_URL, names, "svc")
    assert letter.last_error is not None
    assert "envelope does not parse" in letter.last_error
    assert recorder.calls == 0


async def test_dead_letter_listing_leaves_messages_in_place(factory: SessionFactory, names: BusNames) -> None:
    recorder = Recorder()
    async with running(consumer_for(factory, names, recorder)):
        pass
    connection = await connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for _ in range(3):
            await channel.default_exchange.publish(
                build_message(lead_envelope().model_dump(mode="json"), {}), names.dlq("svc")
            )
    assert len(await list_dead_letters(AMQP_URL, names, "svc")) == 3
    assert len(await list_dead_letters(AMQP_URL, names, "svc")) == 3
