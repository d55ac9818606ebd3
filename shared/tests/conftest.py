"""Backbone fixtures: a throwaway database with the bus tables and a unique broker namespace."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus.names import BusNames
from shared.bus.schema import NOTIFY_FUNCTION, NOTIFY_TRIGGER
from shared.bus.tables import bus_metadata
from shared.db import SessionFactory, create_engine, make_session_factory
from shared.testing import create_database, delete_topology, drop_database, postgres_server_url, unique_name

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"

scratch_metadata = MetaData()
applied = Table(
    "applied",
    scratch_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("n", Integer, nullable=False),
)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    url = await create_database(postgres_server_url(), unique_name("shared_test"))
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(bus_metadata.create_all)
        await conn.run_sync(scratch_metadata.create_all)
        await conn.execute(text(NOTIFY_FUNCTION))
        await conn.execute(text(NOTIFY_TRIGGER))
    await engine.dispose()
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
def factory(engine: AsyncEngine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
async def names() -> AsyncIterator[BusNames]:
    """A namespace of its own for each test, removed afterwards."""
    bus = BusNames(namespace=unique_name("bus"))
    yield bus
    await delete_topology(AMQP_URL, bus, ["svc"])


@pytest.fixture
async def clean_outbox(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))
