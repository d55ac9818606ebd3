"""What the admin tests share: tokens, directly arranged rows, a throwaway plan, the outbox and audit
rows an admin change leaves, and a stand-in for identity's internal user API."""

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import delete, insert, select

from billing.audit.models import AuditLog
from billing.catalog.models import PlanBilling, PlanLimits
from billing.subscriptions.models import BillingAccount, Subscription
from shared.bus.tables import outbox
from shared.testing import TestSigner, poll


def admin_headers(signer: TestSigner, admin_id: uuid.UUID) -> dict[str, str]:
    token = signer.access_token(user_id=admin_id, account_id=uuid.uuid4(), is_super_admin=True)
    return {"Authorization": f"Bearer {token}"}


def member_headers(signer: TestSigner) -> dict[str, str]:
    """An account owner who is not a super admin."""
    token = signer.access_token(account_id=uuid.uuid4(), account_role="owner")
    return {"Authorization": f"Bearer {token}"}


async def add_account(
    app: Any, account_id: uuid.UUID, *, email: str = "owner@example.com", **subscription: Any
) -> None:
    """A billing account and, when `plan` is given, its subscription with the given fields."""
    async with app.state.runtime.factory() as session, session.begin():
        session.add(BillingAccount(account_id=account_id, email=email))
        await session.flush()
        if subscription:
            session.add(Subscription(account_id=account_id, **subscription))


async def subscription_of(app: Any, account_id: uuid.UUID) -> Subscription | None:
    async with app.state.runtime.factory() as session:
        found: Subscription | None = await session.scalar(
            select(Subscription).where(Subscription.account_id == account_id)
        )
        return found


async def events_by(app: Any, event_type: str, **data: Any) -> list[dict[str, Any]]:
    """Envelopes of `event_type` in billing's outbox whose data has the given values, oldest first."""
    stmt = select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.created_at)
    for key, value in data.items():
        stmt = stmt.where(outbox.c.envelope["data"][key].astext == str(value))
    async with app.state.runtime.factory() as session:
        return list(await session.scalars(stmt))


async def audit_rows(app: Any, action: str, actor_id: uuid.UUID) -> list[AuditLog]:
    async with app.state.runtime.factory() as session:
        rows = await session.scalars(
            select(AuditLog)
            .where(AuditLog.action == action, AuditLog.actor_id == actor_id)
            .order_by(AuditLog.created_at)
        )
        return list(rows)


@contextlib.asynccontextmanager
async def throwaway_plan(app: Any, *, billing: dict[str, Any] | None = None) -> AsyncIterator[str]:
    """A plan of its own (pro's limits under a fresh name; with `billing`, a plan_billing row), removed
    afterwards with its subscriptions, so catalog edits never leak into other tests."""
    plan = f"plan_{uuid.uuid4().hex[:12]}"
    async with app.state.runtime.factory() as session, session.begin():
        pro = await session.get(PlanLimits, "pro")
        assert pro is not None
        values = {column.key: getattr(pro, column.key) for column in PlanLimits.__table__.columns}
        values.pop("created_at"), values.pop("updated_at")
        await session.execute(insert(PlanLimits).values(values | {"plan": plan}))
        if billing is not None:
            await session.execute(insert(PlanBilling).values({"plan": plan} | billing))
    try:
        yield plan
    finally:
        async with app.state.runtime.factory() as session, session.begin():
            await session.execute(delete(Subscription).where(Subscription.plan == plan))
            await session.execute(delete(PlanBilling).where(PlanBilling.plan == plan))
            await session.execute(delete(PlanLimits).where(PlanLimits.plan == plan))


class FakeIdentity:
    """Identity's `GET /internal/users/{user_id}` on a real local port, answering for the users a test
    registers."""

    def __init__(self, token: str) -> None:
        self.users: dict[uuid.UUID, uuid.UUID | None] = {}
        self.api = FastAPI()

        @self.api.get("/internal/users/{user_id}")
        async def internal_user(user_id: uuid.UUID, authorization: str = Header("")) -> dict[str, Any]:
            if authorization != f"Bearer {token}":
                raise HTTPException(401, "Invalid internal token")
            if user_id not in self.users:
                raise HTTPException(404, "User not found")
            account_id = self.users[user_id]
            return {
                "id": str(user_id),
                "email": "member@example.com",
                "name": "Member",
                "account_id": str(account_id) if account_id else None,
                "account_role": "owner" if account_id else None,
                "is_active": True,
                "is_super_admin": False,
                "email_verified_at": None,
                "created_at": "2026-01-01T00:00:00+00:00",
            }

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Serve on a free port; yields the base URL."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(self.api, log_level="warning", lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[sock]))

        async def started() -> bool:
            return bool(server.started)

        try:
            await poll(started, message="fake identity started")
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task
            sock.close()


def closed_port_url() -> str:
    """A local URL nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
