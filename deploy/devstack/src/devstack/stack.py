"""Start and stop the platform as local processes against a PostgreSQL and a RabbitMQ on this machine."""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aio_pika
import asyncpg
import httpx
from sqlalchemy.engine import make_url

SERVICES = ("identity", "billing", "onboarding", "notifications")
APPS = (*SERVICES, "gateway")
DEFAULT_PORTS = {
    "gateway": 8000,
    "identity": 8001,
    "billing": 8002,
    "onboarding": 8003,
    "notifications": 8004,
}


class StackError(Exception):
    """A problem that stops the stack, stated in one line."""


def database_url(env: Mapping[str, str], service: str) -> str:
    return env.get(f"{service.upper()}_DATABASE_URL") or f"postgresql+asyncpg://postgres@127.0.0.1:5432/{service}"


def app_port(env: Mapping[str, str], app: str) -> int:
    return int(env.get(f"{app.upper()}_PORT") or DEFAULT_PORTS[app])


def complete_environment(env: Mapping[str, str]) -> dict[str, str]:
    """Fill what a local run derives: the internal token and internal URLs that follow the ports."""
    full = dict(env)
    full.setdefault("INTERNAL_API_TOKEN", secrets.token_urlsafe(32))
    for app in SERVICES:
        full.setdefault(f"{app.upper()}_INTERNAL_URL", f"http://127.0.0.1:{app_port(full, app)}")
    full.setdefault("PYTHONUNBUFFERED", "1")
    return full


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


async def check_postgres(env: Mapping[str, str]) -> None:
    url = database_url(env, "identity")
    parsed = make_url(url)
    try:
        conn = await asyncpg.connect(_admin_dsn(url), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise StackError(
            f"PostgreSQL is not reachable at {parsed.host}:{parsed.port or 5432} ({type(exc).__name__}); start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or use `docker compose up`"
        ) from None
    await conn.close()


async def check_rabbitmq(env: Mapping[str, str]) -> None:
    url = env.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/"
    try:
        connection = await aio_pika.connect(url, timeout=3)
    except Exception as exc:
        host = url.rsplit("@", 1)[-1].rstrip("/")
        raise StackError(
            f"RabbitMQ is not reachable at {host} ({type(exc).__name__}); start it with "
            "`rabbitmq-server -detached`, or use `docker compose up`"
        ) from None
    await connection.close()


async def create_databases(env: Mapping[str, str]) -> list[str]:
    """Create each service's database if it does not exist, whatever its name; returns those created."""
    created = []
    for service in SERVICES:
        url = database_url(env, service)
        name = make_url(url).database
        conn = await asyncpg.connect(_admin_dsn(url), timeout=5)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{name}"')
                created.append(str(name))
        finally:
            await conn.close()
    return created


@dataclass
class Stack:
    env: dict[str, str]
    log_dir: Path | None = None
    python: str = sys.executable
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: dict[str, IO[bytes]] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, env: Mapping[str, str], log_dir: Path | None = None) -> "Stack":
        return cls(env=complete_environment(env), log_dir=log_dir)

    async def preflight(self) -> None:
        await check_postgres(self.env)
        await check_rabbitmq(self.env)

    def migrate(self) -> None:
        for service in SERVICES:
            result = subprocess.run(  # noqa: S603 — our own interpreter and module
                [self.python, "-m", service, "migrate"],
                env=self.env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                raise StackError(f"migrations of {service} failed: {tail[0]}")

    def _spawn(self, name: str, argv: list[str]) -> None:
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 — kept open for the child's lifetime
            self._logs[name] = log
            out: IO[bytes] | None = log
        else:
            out = None
        self.processes[name] = subprocess.Popen(  # noqa: S603
            argv, env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True
        )

    def start_app(self, app: str) -> None:
        host = self.env.get("BIND_HOST", "127.0.0.1")
        self._spawn(app, [self.python, "-m", app, "serve", "--host", host, "--port", str(app_port(self.env, app))])

    def start_mail_catcher(self) -> None:
        self._spawn(
            "mailcatcher",
            [
                self.python,
                "-m",
                "mailcatcher",
                "--smtp-port",
                self.env.get("SMTP_PORT", "1025"),
                "--http-port",
                self.env.get("MAILCATCHER_HTTP_PORT", "8025"),
            ],
        )

    def start_all(self) -> None:
        if self.env.get("DEV_MAIL_CATCHER", "true").lower() != "false":
            self.start_mail_catcher()
        for app in APPS:
            self.start_app(app)

    async def wait_ready(self, apps: tuple[str, ...] = APPS, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(apps)
        async with httpx.AsyncClient(timeout=2.0) as client:
            while pending:
                for app in sorted(pending):
                    process = self.processes.get(app)
                    if process is not None and process.poll() is not None:
                        raise StackError(f"{app} exited with code {process.returncode} before it was ready")
                    try:
                        response = await client.get(f"http://127.0.0.1:{app_port(self.env, app)}/readyz")
                    except httpx.HTTPError:
                        continue
                    if response.status_code == 200:
                        pending.discard(app)
                if pending and time.monotonic() > deadline:
                    raise StackError(f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}")
                await asyncio.sleep(0.2)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        os.killpg(process.pid, sig)
        process.wait(timeout=10)

    def exited(self) -> dict[str, int]:
        return {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}

    def stop_all(self, grace: float = 8.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        for log in self._logs.values():
            log.close()
        self._logs.clear()
