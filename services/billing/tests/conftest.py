"""Integration fixtures: a fresh database and event namespace per test session, the real app in-process
with a manual clock."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.bus.names import BusNames
from shared.clock import ManualClock
from shared.migrations import upgrade
from shared.testing import (
    TestSigner,
    create_database,
    delete_topology,
    drop_database,
    poll,
    postgres_server_url,
    test_environment,
    unique_name,
)

SERVICE_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def environment() -> Iterator[dict[str, str]]:
    env = test_environment()
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
    url = await create_database(postgres_server_url(), unique_name("billing_test"))
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
    os.environ["BILLING_DATABASE_URL"] = url
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
async def app(
    database_url: str, signer: TestSigner, clock: ManualClock, environment: dict[str, str]
) -> AsyncIterator[Any]:
    from billing.app import create_app

    application = create_app(clock=clock)
    application.state.token_verifier.keys = signer
    async with application.router.lifespan_context(application):
        consumer = application.state.runtime.consumer

        async def consuming() -> bool:
            return bool(consumer.is_connected)

        await poll(consuming, message="consumer connected")
        yield application
    names = BusNames(namespace=environment["EVENTS_NAMESPACE"])
    await delete_topology(environment["AMQP_URL"], names, ["billing"])


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://billing") as c:
        yield c
