"""The fault suite's stack: the five apps and the mail catcher as processes (devstack), on a PostgreSQL
cluster and a RabbitMQ node of this suite's own (tests/faults/servers.py), so a test may kill any
process and stop either server while the rest of the machine's tests keep theirs. Started once for
the suite, torn down afterwards. `FAULTS_LONG=1` runs the long versions."""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.stack import SERVICES, Stack, create_databases
from shared.testing import poll, unique_name
from tests.e2e.conftest import (
    BOOTSTRAP_ADMIN_EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD,
    Infrastructure,
    RunningStack,
    free_port,
    stack_environment,
)
from tests.e2e.flows import bearer

from .probes import CLIENT_TIMEOUT_SECONDS
from .servers import ThrowawayPostgres, ThrowawayRabbitMQ

LONG = os.environ.get("FAULTS_LONG") == "1"
FIGURES: list[tuple[str, dict[str, Any]]] = []


def record_figures(test: str, figures: dict[str, Any]) -> None:
    """Figures a fault test measured, printed in the session summary (and kept in the log dir)."""
    FIGURES.append((test, figures))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section(f"fault figures ({'long' if LONG else 'short'} version)")
    for test, figures in FIGURES:
        terminalreporter.write_line(f"{test}: {json.dumps(figures, sort_keys=True)}")


@dataclass
class FaultStack:
    running: RunningStack
    postgres: ThrowawayPostgres
    rabbitmq: ThrowawayRabbitMQ
    log_dir: Path
    long: bool = LONG

    @property
    def stack(self) -> Stack:
        return self.running.stack

    @property
    def env(self) -> dict[str, str]:
        return self.running.stack.env


def start_postgres(postgres: ThrowawayPostgres) -> None:
    postgres.create()
    postgres.start()


@pytest.fixture(scope="session")
async def throwaway_servers() -> AsyncIterator[tuple[ThrowawayPostgres, ThrowawayRabbitMQ]]:
    postgres = ThrowawayPostgres(free_port())
    rabbitmq = ThrowawayRabbitMQ(unique_name("mq").removeprefix("mq_"), free_port(), free_port())
    try:
        await asyncio.gather(asyncio.to_thread(start_postgres, postgres), asyncio.to_thread(rabbitmq.start))
        yield postgres, rabbitmq
    finally:
        await asyncio.gather(asyncio.to_thread(rabbitmq.destroy), asyncio.to_thread(postgres.destroy))


def migrate(stack: Stack, service: str) -> None:
    result = subprocess.run(
        [stack.python, "-m", service, "migrate"], env=stack.env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"migrations of {service} failed: {result.stderr[-2000:]}"


@pytest.fixture(scope="session")
async def fault_stack(throwaway_servers: tuple[ThrowawayPostgres, ThrowawayRabbitMQ]) -> AsyncIterator[FaultStack]:
    postgres, rabbitmq = throwaway_servers
    run_id = unique_name("faults")
    log_dir = Path(os.environ.get("FAULTS_LOG_DIR", f"/tmp/{run_id}/logs"))
    environment = stack_environment(Infrastructure(postgres.url, rabbitmq.url, "throwaway"), run_id)
    stack = Stack.from_environment(environment, log_dir=log_dir)
    stack.python = sys.executable
    try:
        await stack.preflight()
        await create_databases(stack.env)
        await asyncio.gather(*(asyncio.to_thread(migrate, stack, service) for service in SERVICES))
        stack.start_all()
        await stack.wait_ready(timeout=90)
        running = RunningStack(
            stack=stack,
            gateway_url=f"http://127.0.0.1:{stack.env['GATEWAY_PORT']}",
            mail_url=f"http://127.0.0.1:{stack.env['MAILCATCHER_HTTP_PORT']}",
            namespace=run_id,
        )
        yield FaultStack(running, postgres, rabbitmq, log_dir)
    except Exception:
        for log in sorted(log_dir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {log.name} ---\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:
        stack.stop_all(grace=3.0)
        if FIGURES:
            log_dir.mkdir(parents=True, exist_ok=True)
            (log_dir / "figures.json").write_text(json.dumps(dict(FIGURES), indent=2, sort_keys=True))
        # the databases and the event topology go with the throwaway servers


@pytest.fixture
async def gateway(fault_stack: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway, once every process answers ready (a test starts from a healthy stack)."""
    await fault_stack.stack.wait_ready(timeout=90)
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
    async with httpx.AsyncClient(
        base_url=fault_stack.running.gateway_url, timeout=CLIENT_TIMEOUT_SECONDS, limits=limits
    ) as client:
        yield client


@pytest.fixture
async def mail(fault_stack: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fault_stack.running.mail_url, timeout=10.0) as client:
        yield client


@pytest.fixture
async def admin(gateway: httpx.AsyncClient) -> dict[str, str]:
    """The bootstrap super admin's bearer header."""
    response = await gateway.post(
        "/api/v1/auth/login/json", json={"email": BOOTSTRAP_ADMIN_EMAIL, "password": BOOTSTRAP_ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return bearer(response.json())


@pytest.fixture
async def product_upstream(fault_stack: FaultStack) -> AsyncIterator[str]:
    """A product upstream answering 200 to anything, on the port the stack's PRODUCT_UPSTREAM_URL names."""

    async def ok(_: Request) -> Response:
        return JSONResponse({"upstream": "product"})

    app = Starlette(routes=[Route("/{path:path}", ok, methods=["GET", "POST"])])
    url = fault_stack.env["PRODUCT_UPSTREAM_URL"]
    port = httpx.URL(url).port
    assert port is not None
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await poll(started, message="product upstream started")
    try:
        yield url
    finally:
        server.should_exit = True
        await task
