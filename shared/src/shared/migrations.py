"""Alembic plumbing: each service's env.py calls `run_migrations`; `upgrade` runs them from code."""

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK_KEY = 0x6D696772  # "migr": one per database, and each service has its own database


def run_migrations(context: Any, metadata: Sequence[MetaData], default_url: str) -> None:
    """Body of a service's migrations/env.py (online mode, async engine)."""
    url = context.config.attributes.get("url") or default_url

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=list(metadata), compare_type=True)
        with context.begin_transaction():
            # replicas starting together (an autoscaler, a first install) migrate one at a time; the
            # others wait, then find the schema at head and do nothing
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=list(metadata), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run())


def alembic_config(service_root: Path, url: str) -> Config:
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(service_root: Path, url: str, revision: str = "head") -> None:
    """Run migrations up to `revision` (blocking; call outside an event loop or in a thread)."""
    command.upgrade(alembic_config(service_root, url), revision)
