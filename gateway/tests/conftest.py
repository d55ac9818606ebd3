"""Fixtures: fake upstream services on real local ports, and the real gateway app in-process
(httpx.ASGITransport with its lifespan) pointed at them."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fakes import INTERNAL_TOKEN, FakeState, GatewayFactory, fake_service, serve

from gateway.app import create_app
from gateway.settings import GatewaySettings
from shared.bus.names import BusNames
from shared.clock import Clock
from shared.testing import TestSigner, delete_topology, poll, test_environment

SERVICES = ("identity", "billing", "onboarding", "notifications", "product")


@pytest.fixture(scope="session")
def signer() -> TestSigner:
    return TestSigner()


@pytest.fixture(scope="session")
async def fake_state() -> FakeState:
    return FakeState()


@pytest.fixture(scope="session")
async def upstream_urls(signer: TestSigner, fake_state: FakeState) -> AsyncIterator[dict[str, str]]:
    async with contextlib.AsyncExitStack() as stack:
        urls = {
            name: await stack.enter_async_context(serve(fake_service(name, fake_state, signer))) for name in SERVICES
        }
        yield urls
        fake_state.slow_release.set()


@pytest.fixture(scope="session")
async def bus() -> AsyncIterator[tuple[str, BusNames]]:
    """The local RabbitMQ and an event namespace of this run's own, removed at the end."""
    env = test_environment()
    names = BusNames(namespace=env["EVENTS_NAMESPACE"])
    yield env["AMQP_URL"], names
    with contextlib.suppress(Exception):
        await delete_topology(env["AMQP_URL"], names, [])


@pytest.fixture(scope="session")
def gateway_client(upstream_urls: dict[str, str], bus: tuple[str, BusNames]) -> GatewayFactory:
    """A client of a fresh gateway on `clock` (the system's by default); keyword arguments override its settings.
    Like a deployed replica behind its readiness check, it is handed out once its eviction queue is consumed.
    `served=True` runs it under uvicorn on a local port (httpx's ASGITransport buffers whole responses)."""

    @contextlib.asynccontextmanager
    async def make(
        clock: Clock | None = None, *, wait_for_events: bool = True, served: bool = False, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        amqp_url, names = bus
        values: dict[str, Any] = {
            "amqp_url": amqp_url,
            "events_namespace": names.namespace,
            "internal_api_token": INTERNAL_TOKEN,
            "identity_internal_url": upstream_urls["identity"],
            "billing_internal_url": upstream_urls["billing"],
            "onboarding_internal_url": upstream_urls["onboarding"],
            "notifications_internal_url": upstream_urls["notifications"],
            "product_upstream_url": upstream_urls["product"],
            "upstream_timeout_seconds": 0.5,
            "max_body_bytes": 1024,
        }
        values.update(overrides)
        app = create_app(GatewaySettings(**values), clock)

        async def live() -> bool:
            return bool(app.state.entitlement_events.is_live)

        if served:
            async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
                if wait_for_events:
                    await poll(live, message="gateway consuming its entitlement events")
                yield client
            return
        async with app.router.lifespan_context(app):
            if wait_for_events:
                await poll(live, message="gateway consuming its entitlement events")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield client

    return make


@pytest.fixture
async def gateway(gateway_client: GatewayFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_client() as client:
        yield client
