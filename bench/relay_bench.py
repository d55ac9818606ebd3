"""The outbox relay on its own: a database with the bus tables, the real `OutboxRelay` and `Publisher`, and a
queue of the bench's own bound to the exchange. Nothing else runs, so the figures are the relay's.

1. commit → publish latency at a steady rate: one event per transaction, `--rate` transactions a second for
   `--seconds`; each event's latency runs from just after its COMMIT returned to its arrival at the queue
   (an upper bound of commit → broker, as the arrival includes the broker's delivery to the bench);
2. the same with the relay's NOTIFY listener off (its listen DSN points at a closed port), so the relay only
   finds rows on its 2 s poll: what LISTEN/NOTIFY is worth, as a ratio measured in this run;
3. throughput: `--backlog` events committed 100 per transaction while no relay runs, then a relay started:
   events per second from its start to the last arrival (a drain after an outage, and the most the relay
   publishes); and the same number written by one writer while the relay runs (it keeps pace or not).

Prints one JSON object.

    .venv/bin/python bench/relay_bench.py [--rate 100] [--seconds 5] [--backlog 5000]
"""

import argparse
import asyncio
import contextlib
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
from loadgen import percentiles
from sqlalchemy import text

from shared.bus.broker import Publisher, connect, declare_exchange
from shared.bus.names import BusNames
from shared.bus.outbox import Outbox
from shared.bus.relay import OutboxRelay
from shared.bus.schema import NOTIFY_FUNCTION, NOTIFY_TRIGGER
from shared.bus.tables import bus_metadata
from shared.clock import SystemClock
from shared.db import SessionFactory, asyncpg_dsn, create_engine, make_session_factory
from shared.events import SalesLeadCreated
from shared.testing import create_database, delete_topology, drop_database, postgres_server_url, unique_name

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
CLOSED_DSN = "postgresql://postgres@127.0.0.1:1/none"


def lead() -> SalesLeadCreated:
    return SalesLeadCreated(
        lead_id=uuid.uuid4(),
        email="lead@example.com",
        name="Lead",
        company="Shop",
        source="pricing_page",
        recipient_email="sales@example.com",
        created_at=datetime.now(UTC),
    )


class Arrivals:
    """Arrival time (perf_counter) of every event id at the bench's queue."""

    def __init__(self, names: BusNames) -> None:
        self.names = names
        self.at: dict[str, float] = {}
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await connect(AMQP_URL)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=1000)
        exchange = await declare_exchange(channel, self.names)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="#")

        async def arrived(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            self.at[str(message.message_id)] = time.perf_counter()

        await queue.consume(arrived, no_ack=True)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def wait_for(self, ids: list[str], timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while any(i not in self.at for i in ids) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)


async def steady(
    factory: SessionFactory, outbox: Outbox, arrivals: Arrivals, rate: float, seconds: float
) -> dict[str, Any]:
    committed: dict[str, float] = {}
    interval = 1.0 / rate
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = started + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        async with factory() as session, session.begin():
            envelope = await outbox.add(session, lead())
        committed[str(envelope.id)] = time.perf_counter()
    await arrivals.wait_for(list(committed), timeout=30)
    latencies = [(arrivals.at[i] - t) * 1000 for i, t in committed.items() if i in arrivals.at]
    return {
        "rate": rate,
        "events": len(committed),
        "missing": len(committed) - len(latencies),
        "commit_to_arrival_ms": percentiles(latencies),
    }


async def write(factory: SessionFactory, outbox: Outbox, events: int) -> tuple[list[str], float, float]:
    """`events` events, 100 per transaction; their ids, the first commit's time and the writing seconds."""
    ids: list[str] = []
    first_commit: float | None = None
    started = time.perf_counter()
    while len(ids) < events:
        async with factory() as session, session.begin():
            batch = [await outbox.add(session, lead()) for _ in range(min(100, events - len(ids)))]
        first_commit = first_commit or time.perf_counter()
        ids.extend(str(e.id) for e in batch)
    assert first_commit is not None
    return ids, first_commit, time.perf_counter() - started


async def published_since(arrivals: Arrivals, ids: list[str], since: float) -> dict[str, Any]:
    await arrivals.wait_for(ids, timeout=120)
    arrived = [arrivals.at[i] for i in ids if i in arrivals.at]
    span = max(arrived) - since if arrived else float("nan")
    return {"events": len(ids), "missing": len(ids) - len(arrived), "seconds": span, "per_second": len(arrived) / span}


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> Any:
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.5)  # its LISTEN is open
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    url = await create_database(postgres_server_url(), unique_name("bench_relay"))
    names = BusNames(namespace=unique_name("benchrelay"))
    engine = create_engine(url, pool_size=10)
    arrivals = Arrivals(names)
    publisher = Publisher(AMQP_URL, names)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(bus_metadata.create_all)
            await conn.execute(text(NOTIFY_FUNCTION))
            await conn.execute(text(NOTIFY_TRIGGER))
        factory = make_session_factory(engine)
        outbox = Outbox("bench", SystemClock())
        await arrivals.start()
        clock = SystemClock()
        notified = OutboxRelay(factory=factory, listen_dsn=asyncpg_dsn(url), publisher=publisher, clock=clock)
        async with running(notified):
            with_notify = await steady(factory, outbox, arrivals, args.rate, args.seconds)
            ids, first_commit, writing = await write(factory, outbox, args.backlog)
            alongside = await published_since(arrivals, ids, first_commit)
            alongside["writer_per_second"] = args.backlog / writing
        ids, _, _ = await write(factory, outbox, args.backlog)
        started = time.perf_counter()
        async with running(notified):
            drained = await published_since(arrivals, ids, started)
        logging.getLogger("shared.bus.relay").setLevel(logging.ERROR)  # its listener fails on purpose
        polling = OutboxRelay(factory=factory, listen_dsn=CLOSED_DSN, publisher=publisher, clock=clock)
        async with running(polling):
            poll_only = await steady(factory, outbox, arrivals, args.rate / 4, args.seconds)
    finally:
        await publisher.close()
        await arrivals.stop()
        await engine.dispose()
        await drop_database(url)
        await delete_topology(AMQP_URL, names, [])
    return {"notify": with_notify, "poll_only": poll_only, "alongside_writer": alongside, "drain": drained}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="transactions per second in the steady phase")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--backlog", type=int, default=5000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args)), indent=2))


if __name__ == "__main__":
    main()
