"""Rows the usage, reminder and operator tests arrange directly, and a private migrated database for
the tests whose code scans every row (backfill, plan sync, reminder runs)."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from billing.subscriptions.models import BillingAccount, Subscription
from billing.usage.models import AccountUsage
from shared.bus.tables import outbox
from shared.db import SessionFactory, create_engine, make_session_factory
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, postgres_server_url, unique_name

SERVICE_ROOT = Path(__file__).resolve().parents[2]
INTERNAL = {"Authorization": "Bearer test-internal-token"}


async def reserve(
    client: httpx.AsyncClient, account_id: uuid.UUID, metric: str = "trees", **body: Any
) -> httpx.Response:
    """POST /internal/usage/{account_id}/reserve as the gateway does."""
    return await client.post(f"/internal/usage/{account_id}/reserve", json={"metric": metric, **body}, headers=INTERNAL)


async def subscribe(
    factory: SessionFactory,
    account_id: uuid.UUID,
    *,
    plan: str = "pro",
    status: str = "active",
    email: str | None = None,
    **fields: Any,
) -> None:
    """A subscription (and, with `email`, a billing account) for `account_id`."""
    async with factory() as session, session.begin():
        if email is not None:
            session.add(BillingAccount(account_id=account_id, email=email))
        session.add(Subscription(account_id=account_id, plan=plan, status=status, **fields))


async def set_usage(factory: SessionFactory, account_id: uuid.UUID, *, period_start: date, **counters: Any) -> None:
    async with factory() as session, session.begin():
        session.add(AccountUsage(account_id=account_id, period_start=period_start, **counters))


async def usage_row(factory: SessionFactory, account_id: uuid.UUID) -> AccountUsage | None:
    async with factory() as session:
        return await session.get(AccountUsage, account_id)


async def outbox_events(
    factory: SessionFactory, event_type: str, account_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Envelopes of `event_type` in the outbox (of one account when given), oldest first."""
    stmt = select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
    if account_id is not None:
        stmt = stmt.where(outbox.c.envelope["data"]["account_id"].astext == str(account_id))
    async with factory() as session:
        return list(await session.scalars(stmt))


@contextlib.asynccontextmanager
async def private_database() -> AsyncIterator[tuple[str, SessionFactory]]:
    """A fresh, migrated billing database of its own (the session's env is left alone)."""
    url = await create_database(postgres_server_url(), unique_name("billing_private"))
    engine = create_engine(url, pool_size=5)
    try:
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        yield url, make_session_factory(engine)
    finally:
        await engine.dispose()
        await drop_database(url)


def previous_month(moment: datetime) -> date:
    """First day of the UTC month before `moment`'s."""
    return (moment.date().replace(day=1) - timedelta(days=1)).replace(day=1)
