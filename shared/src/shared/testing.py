"""Helpers for tests against the real PostgreSQL and RabbitMQ: throwaway databases and namespaces,
and polling with a deadline (tests never sleep to wait for asynchronous effects)."""

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import aio_pika
import asyncpg
import httpx
from joserfc.jwk import RSAKey
from sqlalchemy.engine import make_url

from shared.bus.names import RETRY_DELAYS_MS, BusNames

if TYPE_CHECKING:
    from fastapi import FastAPI

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


class TestSigner:
    """Issues access tokens the way identity does, for tests of services other than identity."""

    __test__ = False  # not a pytest test class

    def __init__(self, kid: str = "test-key") -> None:
        self.kid = kid
        self.private_key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})

    async def key(self, kid: str) -> RSAKey:
        from shared.auth import InvalidToken

        if kid != self.kid:
            raise InvalidToken("unknown kid")
        return self.private_key

    def access_token(
        self,
        *,
        user_id: uuid.UUID | None = None,
        account_id: uuid.UUID | None = None,
        account_role: str = "owner",
        is_super_admin: bool = False,
        email_verified_at: str | None = None,
        user_created_at: str = "2026-01-01T00:00:00+00:00",
        expires_in: int = 900,
        token_type: str = "access",  # noqa: S107
    ) -> str:
        from joserfc import jwt

        now = int(time.time())
        claims = {
            "sub": str(user_id or uuid.uuid4()),
            "account_id": str(account_id) if account_id else None,
            "account_role": account_role,
            "is_super_admin": is_super_admin,
            "email_verified_at": email_verified_at,
            "user_created_at": user_created_at,
            "type": token_type,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + expires_in,
        }
        return jwt.encode({"alg": "RS256", "kid": self.kid}, claims, self.private_key)


def test_environment(**overrides: str) -> dict[str, str]:
    """Environment for a service under test: a unique event namespace and a known internal token."""
    env = {
        "EVENTS_NAMESPACE": unique_name("test"),
        "INTERNAL_API_TOKEN": "test-internal-token",
        "AMQP_URL": os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    }
    env.update(overrides)
    return env


def postgres_server_url() -> str:
    """The PostgreSQL server tests create their databases on (TEST_POSTGRES_URL, else the local one)."""
    return os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def applied_environment(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Set `env` in os.environ (where settings read it) for the block, then restore what was there."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.asynccontextmanager
async def migrated_database(service: str, service_root: Path) -> AsyncIterator[str]:
    """A fresh database with the service's migrations applied, named in `<SERVICE>_DATABASE_URL`."""
    from shared.migrations import upgrade

    url = await create_database(postgres_server_url(), unique_name(f"{service}_test"))
    try:
        await asyncio.to_thread(upgrade, service_root, url)
        os.environ[f"{service.upper()}_DATABASE_URL"] = url
        yield url
    finally:
        await drop_database(url)


@contextlib.asynccontextmanager
async def running_app(app: "FastAPI", *, service: str, environment: dict[str, str]) -> AsyncIterator["FastAPI"]:
    """The app with its lifespan running and, when it consumes events, its consumer ready; the
    namespace's queues are deleted afterwards."""
    async with app.router.lifespan_context(app):
        consumer = app.state.runtime.consumer if hasattr(app.state, "runtime") else None
        if consumer is not None:

            async def consuming() -> bool:
                return bool(consumer.is_connected)

            await poll(consuming, message=f"{service} consumer connected")
        yield app
    names = BusNames(namespace=environment["EVENTS_NAMESPACE"])
    await delete_topology(environment["AMQP_URL"], names, [service])


def asgi_client(app: "FastAPI", service: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{service}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_outside_ephemeral_range() -> int:
    """A free TCP port on 127.0.0.1 below the kernel's ephemeral range, so no outgoing connection (ours
    included: a client polling the port can be handed it as its own source port) takes it before a
    subprocess binds it."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


def spawn_ready(
    argv: list[str],
    *,
    env_for_port: Callable[[int], dict[str, str]],
    ready_url: Callable[[int], str],
    log: Path,
    cwd: Path | None = None,
    attempts: int = 3,
    seconds_each: float = 20.0,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start a server subprocess on a fresh port and wait until `ready_url(port)` answers 200. One that
    exits or is not ready within `seconds_each` is stopped and started again on another port (a start
    has been seen to stall on this shared machine); after `attempts`, RuntimeError with its log."""
    failures: list[str] = []
    for attempt in range(1, attempts + 1):
        port = port_outside_ephemeral_range()
        with log.open("ab") as out:
            out.write(f"--- attempt {attempt} on port {port}\n".encode())
            out.flush()
            process = subprocess.Popen(  # noqa: S603 - test servers the suites start themselves
                argv, cwd=cwd, env=env_for_port(port), stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + seconds_each
        while process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready_url(port), timeout=1.0).status_code == 200:
                    return process, port
            time.sleep(0.05)
        exited = process.poll()
        failures.append(f"attempt {attempt}: " + (f"exited with {exited}" if exited is not None else "not ready"))
        process.kill()
        process.wait()
    raise RuntimeError(f"{argv[-1]} did not start ({'; '.join(failures)}): {log.read_text(errors='replace')}")


class RecordingSmtp:
    """An aiosmtpd handler keeping every accepted message, for assertions (a real SMTP server in tests)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


@contextlib.contextmanager
def smtp_server(handler: Any) -> Iterator[int]:
    """Serve `handler` (e.g. RecordingSmtp) with aiosmtpd on a free port for the block; yields the port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
