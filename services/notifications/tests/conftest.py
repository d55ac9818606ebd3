"""Integration fixtures: a fresh database, event namespace and SMTP server per test session, the real app
in-process."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from notifications.emails.events import build_handlers
from notifications.emails.providers import EmailProvider
from notifications.emails.service import Courier
from shared.bus.broker import Publisher, build_message
from shared.bus.consumer import InboxConsumer
from shared.bus.names import BusNames
from shared.events import Envelope
from shared.testing import (
    RecordingSmtp,
    TestSigner,
    applied_environment,
    asgi_client,
    migrated_database,
    running_app,
    smtp_server,
    test_environment,
    unique_name,
)

SERVICE_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[RecordingSmtp, int]]:
    handler = RecordingSmtp()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture(scope="session")
def environment(smtp: tuple[RecordingSmtp, int]) -> Iterator[dict[str, str]]:
    env = test_environment(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp[1]), EMAIL_PROVIDER="smtp")
    with applied_environment(env) as applied:
        yield applied


@pytest.fixture(scope="session")
async def database_url(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("notifications", SERVICE_ROOT) as url:
        yield url


@pytest.fixture(scope="session")
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture(scope="session")
async def app(database_url: str, environment: dict[str, str], signer: TestSigner) -> AsyncIterator[Any]:
    from notifications.app import create_app

    application = create_app()
    application.state.token_verifier.keys = signer
    async with running_app(application, service="notifications", environment=environment):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "notifications") as c:
        yield c


@pytest.fixture
def mailbox(smtp: tuple[RecordingSmtp, int]) -> RecordingSmtp:
    return smtp[0]


# the consumer's delay queues are 5s, 30s, 2m, 10m: a test of several retries takes its own consumer
FAST_DELAYS = (("fast", 100),)


@dataclass
class FastLane:
    """The app's handlers, database and outbox behind a consumer of its own whose delay queues wait 0.1s,
    on an event namespace of its own; `provider` is what its courier sends through."""

    courier: Courier
    consumer: InboxConsumer
    publisher: Publisher

    async def publish(self, envelope: Envelope) -> None:
        await self.publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)


@contextlib.asynccontextmanager
async def fast_lane(app: Any, provider: EmailProvider, max_attempts: int = 5) -> AsyncIterator[FastLane]:
    runtime = app.state.runtime
    working: Courier = app.state.courier
    courier = Courier(
        settings=working.settings.model_copy(update={"email_max_attempts": max_attempts}),
        provider=provider,
        renderer=working.renderer,
        clock=working.clock,
        outbox=working.outbox,
        bookkeeping=working.bookkeeping,
    )
    names = BusNames(runtime.settings.events_exchange, unique_name("fast"))
    amqp_url = runtime.settings.amqp_url
    consumer = InboxConsumer(
        service="notifications",
        amqp_url=amqp_url,
        names=names,
        factory=runtime.factory,
        handlers=build_handlers(courier),
        clock=working.clock,
        max_attempts=max_attempts,
        retry_delays_ms=FAST_DELAYS,
    )
    publisher = Publisher(amqp_url, names)
    await consumer.start()
    try:
        yield FastLane(courier, consumer, publisher)
    finally:
        await consumer.stop()
        await publisher.close()
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            queues = [names.queue("notifications"), names.dlq("notifications")]
            for queue in queues + [names.retry_queue("notifications", label) for label, _ in FAST_DELAYS]:
                await channel.queue_delete(queue)
            await channel.exchange_delete(names.exchange)


class RefusingSmtp(RecordingSmtp):
    """Answers `reply` to the first `refusals` DATA commands, then accepts like RecordingSmtp."""

    def __init__(self, refusals: int, reply: str = "451 4.3.0 Mailbox busy, try again later") -> None:
        super().__init__()
        self.refusals = refusals
        self.reply = reply
        self.data_commands = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.data_commands += 1
            refuse = self.data_commands <= self.refusals
        if refuse:
            return self.reply
        return await super().handle_DATA(server, session, envelope)
