"""Integration fixtures: a fresh database and event namespace per test session, the real app in-process."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.db import SessionFactory
from shared.testing import (
    TestSigner,
    applied_environment,
    asgi_client,
    migrated_database,
    running_app,
    test_environment,
)

SERVICE_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def environment() -> Iterator[dict[str, str]]:
    with applied_environment(test_environment()) as env:
        yield env


@pytest.fixture(scope="session")
async def database_url(environment: dict[str, str]) -> AsyncIterator[str]:
    async with migrated_database("onboarding", SERVICE_ROOT) as url:
        yield url


@pytest.fixture(scope="session")
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture(scope="session")
async def app(database_url: str, signer: TestSigner, environment: dict[str, str]) -> AsyncIterator[Any]:
    from onboarding.app import create_app

    application = create_app()
    application.state.token_verifier.keys = signer
    async with running_app(application, service="onboarding", environment=environment):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, "onboarding") as c:
        yield c


@pytest.fixture
def db(app: Any) -> SessionFactory:
    factory: SessionFactory = app.state.runtime.factory
    return factory
