"""Replicas starting together (separate processes, as in a cluster) migrate one at a time and all end at head."""

import asyncio
import os
import sys

import asyncpg

from shared.migrations import MIGRATION_LOCK_KEY
from shared.testing import create_database, drop_database, poll, postgres_server_url, unique_name


async def start_migrate(url: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "ONBOARDING_DATABASE_URL": url, "INTERNAL_API_TOKEN": "test"}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "onboarding",
        "migrate",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_replicas_migrating_at_once_wait_for_the_lock_and_all_reach_head() -> None:
    url = await create_database(postgres_server_url(), unique_name("migrate_lock"))
    dsn = url.replace("+asyncpg", "")
    holder = await asyncpg.connect(dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        replicas = [await start_migrate(url) for _ in range(3)]

        async def all_waiting() -> bool:
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return bool(waiting == 3)

        await poll(all_waiting, timeout=60, message="three migrating replicas waiting on the lock")
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        results = [await p.communicate() for p in replicas]
        codes = [p.returncode for p in replicas]
        versions = await holder.fetch("SELECT version_num FROM alembic_version")
    finally:
        await holder.close()
        await drop_database(url)
    assert codes == [0, 0, 0], [err.decode()[-300:] for _, err in results]
    assert len(versions) == 1
