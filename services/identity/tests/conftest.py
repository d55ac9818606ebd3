"""Integration fixtures: a fresh database and event namespace per test session, the real app in-process."""

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.db import SessionFactory, transaction
from shared.testing import applied_environment, asgi_client, migrated_database, running_app, test_environment

SERVICE_ROOT = Path(__file__).resolve().parents[1]
FRONTEND_URL = "http://frontend.example.com"
PASSWORD = "Correct-horse-9"


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    key_file = tmp_path_factory.mktemp("keys") / "jwt_private_key.pem"
    with applied_environment(test_environment(JWT_PRIVATE_KEY_FILE=str(key_file), FRONTEND_URL=FRONTEND_URL)) as env:
        yield env


@pytest.fixture(scope="session")
async def database_url(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("identity", SERVICE_ROOT) as url:
        yield url


@pytest.fixture(scope="session")
async def app(database_url: str, environment: dict[str, str]) -> AsyncIterator[Any]:
    from identity.app import create_app

    application = create_app()
    async with running_app(application, service="identity", environment=environment):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "identity") as c:
        yield c


@pytest.fixture
def db(app: Any) -> SessionFactory:
    factory: SessionFactory = app.state.runtime.factory
    return factory


@pytest.fixture
def email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def set_runtime_setting(db: SessionFactory, key: str, value: str) -> None:
    """`value` is the JSON text of the setting."""
    async with transaction(db) as session:
        await session.execute(
            text("UPDATE runtime_settings SET value = CAST(:value AS jsonb) WHERE key = :key"),
            {"key": key, "value": value},
        )


@pytest.fixture
async def invite_gate(db: SessionFactory) -> AsyncIterator[None]:
    """Self-serve off and invite codes required, for one test."""
    await set_runtime_setting(db, "require_invite_code", "true")
    await set_runtime_setting(db, "self_serve_enabled", "false")
    yield
    await set_runtime_setting(db, "require_invite_code", "false")
    await set_runtime_setting(db, "self_serve_enabled", "false")
    await set_runtime_setting(db, "internal_tester_emails", "[]")


async def register(
    client: httpx.AsyncClient, email: str, *, password: str = PASSWORD, name: str = "Ada Lovelace", **extra: Any
) -> httpx.Response:
    body = {"email": email, "password": password, "name": name, **extra}
    return await client.post("/api/v1/auth/register", json=body)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login/json", json={"email": email, "password": password})
