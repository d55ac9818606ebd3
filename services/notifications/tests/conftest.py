"""Integration fixtures: a fresh database, event namespace and SMTP server per test session, the real app
in-process."""

import asyncio
import os
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from shared.bus.names import BusNames
from shared.migrations import upgrade
from shared.testing import (
    create_database,
    delete_topology,
    drop_database,
    poll,
    postgres_server_url,
    test_environment,
    unique_name,
)

SERVICE_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RecordingSmtp:
    """An aiosmtpd handler keeping every accepted message, for assertions."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[RecordingSmtp, int]]:
    handler = RecordingSmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture(scope="session")
def environment(smtp: tuple[RecordingSmtp, int]) -> Iterator[dict[str, str]]:
    env = test_environment(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp[1]), EMAIL_PROVIDER="smtp")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
async def database_url(environment: dict[str, str]) -> AsyncIterator[str]:
    url = await create_database(postgres_server_url(), unique_name("notifications_test"))
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
    os.environ["NOTIFICATIONS_DATABASE_URL"] = url
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
async def app(database_url: str, environment: dict[str, str]) -> AsyncIterator[Any]:
    from notifications.app import create_app

    application = create_app()
    async with application.router.lifespan_context(application):
        consumer = application.state.runtime.consumer

        async def consuming() -> bool:
            return bool(consumer.is_connected)

        await poll(consuming, message="consumer connected")
        yield application
    names = BusNames(namespace=environment["EVENTS_NAMESPACE"])
    await delete_topology(environment["AMQP_URL"], names, ["notifications"])


@pytest.fixture
def mailbox(smtp: tuple[RecordingSmtp, int]) -> RecordingSmtp:
    return smtp[0]
