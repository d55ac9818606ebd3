"""The end-to-end stack: real PostgreSQL and RabbitMQ (testcontainers when a Docker engine is reachable,
this machine's servers otherwise), fresh databases and an event namespace of its own, the five apps and
a mail catcher as processes on free ports. Tests drive it through the gateway like the SPA does."""

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from stripefake import FakeStripe

from devstack.stack import APPS, SERVICES, Stack, create_databases
from shared.bus.names import BusNames
from shared.testing import delete_topology, drop_database, free_port, unique_name

from .oidc import OidcProviders, running_providers
from .otlp import OtlpReceiver, running_receiver

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
# the super admin identity makes sure of at start (config.md BOOTSTRAP_ADMIN_*), for the admin suites
BOOTSTRAP_ADMIN_EMAIL = "platform-admin@example.com"
BOOTSTRAP_ADMIN_PASSWORD = "E2e-admin-Pass-42"
# billing verifies Stripe webhooks with it; the checkout suite signs its events with it
STRIPE_WEBHOOK_SECRET = "whsec_e2e_stack"


@dataclass(frozen=True)
class Infrastructure:
    postgres_url: str  # any database on the server; tests create their own beside it
    amqp_url: str
    source: str  # "testcontainers" or "local"


def docker_reachable() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    """One fixture, two sources: containers when an engine answers, the machine's servers otherwise."""
    if os.environ.get("E2E_USE_LOCAL_SERVICES") != "1" and docker_reachable():
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as pg, RabbitMqContainer("rabbitmq:3.13") as mq:
            amqp = f"amqp://guest:guest@{mq.get_container_host_ip()}:{mq.get_exposed_port(5672)}/"
            yield Infrastructure(pg.get_connection_url(), amqp, "testcontainers")
    else:
        yield Infrastructure(
            os.environ.get("TEST_POSTGRES_URL", LOCAL_POSTGRES), os.environ.get("AMQP_URL", LOCAL_AMQP), "local"
        )


@dataclass
class RunningStack:
    stack: Stack
    gateway_url: str
    mail_url: str
    namespace: str

    def url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.stack.env[f'{app.upper()}_PORT']}"


def stack_environment(
    infra: Infrastructure, run_id: str, oidc: OidcProviders | None = None, stripe: FakeStripe | None = None
) -> dict[str, str]:
    from sqlalchemy.engine import make_url

    server = make_url(infra.postgres_url)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update(
        {
            "AMQP_URL": infra.amqp_url,
            "EVENTS_NAMESPACE": run_id,
            "INTERNAL_API_TOKEN": unique_name("e2e-token"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(free_port()),
            "MAILCATCHER_HTTP_PORT": str(free_port()),
            "LOG_LEVEL": "INFO",
            "RATE_LIMITS_ENABLED": "false",
            # an echo app the gateway suite serves on this port from the test process (test_gateway_*.py)
            "PRODUCT_UPSTREAM_URL": f"http://127.0.0.1:{free_port()}",
            "JWT_PRIVATE_KEY_FILE": f"/tmp/{run_id}/jwt_private_key.pem",
            "FRONTEND_URL": "http://spa.test",
            "BOOTSTRAP_ADMIN_EMAIL": BOOTSTRAP_ADMIN_EMAIL,
            "BOOTSTRAP_ADMIN_PASSWORD": BOOTSTRAP_ADMIN_PASSWORD,
        }
    )
    if oidc is not None:
        env.update(oidc.environment())
    if stripe is not None:
        env.update(
            {
                "STRIPE_SECRET_KEY": stripe.api_key,
                "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
                "STRIPE_API_BASE": stripe.url,
            }
        )
    for app in APPS:
        env[f"{app.upper()}_PORT"] = str(free_port())
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = server.set(database=f"{run_id}_{service}").render_as_string(
            hide_password=False
        )
        env[f"{service.upper()}_INTERNAL_URL"] = f"http://127.0.0.1:{env[f'{service.upper()}_PORT']}"
    return env


@pytest.fixture(scope="session")
def oidc_providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProviders]:
    """Local Google-like and Microsoft-like OpenID providers, running before the stack that uses them."""
    with running_providers(tmp_path_factory.mktemp("oidc-logs")) as providers:
        yield providers


@pytest.fixture(scope="session")
def fake_stripe() -> Iterator[FakeStripe]:
    """The fake Stripe (`python -m stripefake --port <free>`), running before the stack that calls it."""
    with FakeStripe(port=free_port()) as fake:
        yield fake


@pytest.fixture(scope="session")
def otlp_receiver() -> Iterator[OtlpReceiver]:
    """Where the stack's processes export their spans (OTLP/HTTP), for the tracing suite."""
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
async def running_stack(
    infrastructure: Infrastructure, oidc_providers: OidcProviders, fake_stripe: FakeStripe, otlp_receiver: OtlpReceiver
) -> AsyncIterator[RunningStack]:
    run_id = unique_name("e2e")
    log_dir = Path(os.environ.get("E2E_LOG_DIR", f"/tmp/{run_id}/logs"))
    environment = stack_environment(infrastructure, run_id, oidc_providers, fake_stripe)
    environment.update(otlp_receiver.environment())
    stack = Stack.from_environment(environment, log_dir=log_dir)
    stack.python = sys.executable
    try:
        await stack.preflight()
        await create_databases(stack.env)
        await asyncio.to_thread(stack.migrate)
        stack.start_all()
        await stack.wait_ready(timeout=90)
        yield RunningStack(
            stack=stack,
            gateway_url=f"http://127.0.0.1:{stack.env['GATEWAY_PORT']}",
            mail_url=f"http://127.0.0.1:{stack.env['MAILCATCHER_HTTP_PORT']}",
            namespace=run_id,
        )
    except Exception:
        for log in sorted(log_dir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {log.name} ---\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:
        stack.stop_all()
        for service in SERVICES:
            await drop_database(stack.env[f"{service.upper()}_DATABASE_URL"])
        with contextlib.suppress(Exception):
            await delete_topology(infrastructure.amqp_url, BusNames(namespace=run_id), list(SERVICES))


@pytest.fixture
async def gateway(running_stack: RunningStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_stack.gateway_url, timeout=15.0) as client:
        yield client


@pytest.fixture
async def mail(running_stack: RunningStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=running_stack.mail_url, timeout=5.0) as client:
        yield client
