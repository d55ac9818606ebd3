"""Integration fixtures: a fresh database, event namespace and SMTP server per test session, the real app
in-process."""

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from shared.testing import applied_environment, migrated_database, running_app, test_environment

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
    with applied_environment(env) as applied:
        yield applied


@pytest.fixture(scope="session")
async def database_url(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("notifications", SERVICE_ROOT) as url:
        yield url


@pytest.fixture(scope="session")
async def app(database_url: str, environment: dict[str, str]) -> AsyncIterator[Any]:
    from notifications.app import create_app

    application = create_app()
    async with running_app(application, service="notifications", environment=environment):
        yield application


@pytest.fixture
def mailbox(smtp: tuple[RecordingSmtp, int]) -> RecordingSmtp:
    return smtp[0]
