"""Replica fixtures: TWO copies of a service against one database and one broker namespace, in-process
(each app created as the services' own tests create it), plus a recording SMTP server and uvicorn serving
for the calls that go over HTTP (JWKS, internal APIs)."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
import uvicorn
from fastapi import FastAPI

from shared.bus.broker import connect, declare_exchange
from shared.bus.names import BusNames
from shared.testing import (
    RecordingSmtp,
    applied_environment,
    delete_topology,
    migrated_database,
    poll,
    smtp_server,
    test_environment,
)

ROOT = Path(__file__).resolve().parents[2]
FRONTEND_URL = "http://frontend.example.com"


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[RecordingSmtp, int]]:
    handler = RecordingSmtp()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture(scope="session")
def environment(smtp: tuple[RecordingSmtp, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    key_file = tmp_path_factory.mktemp("keys") / "jwt_private_key.pem"
    env = test_environment(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp[1]),
        EMAIL_PROVIDER="smtp",
        FRONTEND_URL=FRONTEND_URL,
        JWT_PRIVATE_KEY_FILE=str(key_file),
    )
    with applied_environment(env) as applied:
        yield applied


@pytest.fixture(scope="session")
def names(environment: dict[str, str]) -> BusNames:
    return BusNames(namespace=environment["EVENTS_NAMESPACE"])


@pytest.fixture(scope="session")
async def billing_database(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("billing", ROOT / "services" / "billing") as url:
        yield url


@pytest.fixture(scope="session")
async def notifications_database(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("notifications", ROOT / "services" / "notifications") as url:
        yield url


@pytest.fixture(scope="session")
async def identity_database(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("identity", ROOT / "services" / "identity") as url:
        yield url


@contextlib.asynccontextmanager
async def replicas(
    create: Callable[[], FastAPI],
    *,
    service: str,
    environment: dict[str, str],
    count: int = 2,
    remove_queues: bool = True,
) -> AsyncIterator[list[FastAPI]]:
    """`count` apps of one service, each with its own runtime (relay, consumer, jobs), all running;
    `remove_queues=False` for replicas that stop while others of the service still consume."""
    apps = [create() for _ in range(count)]
    try:
        async with contextlib.AsyncExitStack() as stack:
            for app in apps:
                await stack.enter_async_context(app.router.lifespan_context(app))
                consumer = app.state.runtime.consumer
                if consumer is not None:

                    async def consuming(consumer: Any = consumer) -> bool:
                        return bool(consumer.is_connected)

                    await poll(consuming, message=f"{service} consumer connected")
            yield apps
    finally:  # once every replica has stopped: the queues they shared
        if remove_queues:
            names = BusNames(namespace=environment["EVENTS_NAMESPACE"])
            await delete_topology(environment["AMQP_URL"], names, [service])


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """`app` under uvicorn on a free local port (its lifespan left to the caller)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return server.started

    await poll(started, message="server started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def listening(amqp_url: str, names: BusNames, routing_key: str) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """An exclusive queue bound to the namespace's exchange, as a watcher of what gets published."""
    connection = await connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await declare_exchange(channel, names)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=routing_key)
        yield queue
