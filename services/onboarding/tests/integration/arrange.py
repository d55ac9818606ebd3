"""Arranging onboarding's tests: signed-in tenants, identity's and the product's events delivered through
the real broker (waiting for the inbox), and reads of the rows and outbox events that follow."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from shared.bus.broker import build_message
from shared.bus.tables import inbox
from shared.db import SessionFactory
from shared.events import (
    EVENT_TYPES,
    ActivityRecorded,
    Envelope,
    EventData,
    UserRegistered,
)
from shared.testing import TestSigner, poll


@dataclass(frozen=True)
class Tenant:
    user_id: uuid.UUID
    account_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def tenant(
    signer: TestSigner,
    *,
    account_id: uuid.UUID | None = None,
    role: str = "owner",
    email_verified_at: str | None = None,
) -> Tenant:
    user_id, account = uuid.uuid4(), account_id or uuid.uuid4()
    token = signer.access_token(
        user_id=user_id, account_id=account, account_role=role, email_verified_at=email_verified_at
    )
    return Tenant(user_id, account, token)


def envelope(data: EventData, occurred_at: datetime | None = None, producer: str = "identity") -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=EVENT_TYPES[type(data)],
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )


def registered(user: Tenant, *, joined: bool = False, role: str = "owner") -> Envelope:
    return envelope(
        UserRegistered(
            user_id=user.user_id,
            account_id=user.account_id,
            email=f"{user.user_id.hex[:8]}@example.com",
            name="A",
            account_role="engineer" if joined else role,
            method="password",
            created_at=datetime.now(UTC),
            joined_existing_account=joined,
        )
    )


def activity(user: Tenant, kind: str, occurred_at: datetime, *, user_id: uuid.UUID | None = None) -> Envelope:
    data = ActivityRecorded.model_validate(
        {
            "account_id": user.account_id,
            "user_id": user_id or user.user_id,
            "activity": kind,
            "occurred_at": occurred_at,
        }
    )
    return envelope(data, occurred_at, producer="product")


async def deliver(app: Any, db: SessionFactory, *events: Envelope) -> None:
    """Publish each event to the real broker and wait until onboarding's inbox has committed it."""
    for event in events:
        await app.state.runtime.publisher.publish(build_message(event.model_dump(mode="json"), {}), event.type)
    for event in events:

        async def handled(event_id: uuid.UUID = event.id) -> bool:
            async with db() as session:
                found = await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == event_id))
                return found is not None

        await poll(handled, message=f"onboarding handled {event.type} {event.id}")


async def rows(db: SessionFactory, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db() as session:
        result = await session.execute(text(sql), params)
        return [dict(r) for r in result.mappings().all()]


async def user_row(db: SessionFactory, user_id: uuid.UUID) -> dict[str, Any]:
    [row] = await rows(db, "SELECT * FROM user_onboarding WHERE user_id = :id", id=user_id)
    return row


async def profile_row(db: SessionFactory, account_id: uuid.UUID) -> dict[str, Any]:
    [row] = await rows(db, "SELECT * FROM shop_profiles WHERE account_id = :id", id=account_id)
    return row


async def published(db: SessionFactory, event_type: str, field: str, value: object) -> list[dict[str, Any]]:
    """`data` of the outbox events of `event_type` whose `data.<field>` is `value`, in creation order."""
    found = await rows(
        db,
        "SELECT envelope FROM outbox WHERE type = :type AND envelope->'data'->>:field = :value ORDER BY created_at",
        type=event_type,
        field=field,
        value=str(value),
    )
    return [r["envelope"]["data"] for r in found]
