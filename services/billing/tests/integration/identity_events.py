"""Identity's events as the tests publish them to the real broker."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from billing.subscriptions.models import Subscription
from shared.bus.broker import build_message
from shared.bus.tables import inbox, outbox
from shared.events import AccountCreated, Envelope, PlatformInvite, UserRegistered


def envelope(event_type: str, data: dict[str, Any], *, occurred_at: datetime) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=event_type,
        occurred_at=occurred_at,
        producer="identity",
        correlation_id="test",
        data=data,
    )


def account_created(
    account_id: uuid.UUID,
    *,
    created_at: datetime,
    platform_invite: PlatformInvite | None = None,
    owner_email: str = "owner@example.com",
) -> Envelope:
    data = AccountCreated(
        account_id=account_id,
        name="Owner's Account",
        display_code="ABCD1234",
        owner_id=uuid.uuid4(),
        owner_email=owner_email,
        owner_name="Owner",
        signup_method="password",
        created_at=created_at,
        platform_invite=platform_invite,
    )
    return envelope("identity.account.created", data.model_dump(mode="json"), occurred_at=created_at)


def user_registered(account_id: uuid.UUID, *, created_at: datetime, joined: bool = False) -> Envelope:
    data = UserRegistered(
        user_id=uuid.uuid4(),
        account_id=account_id,
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        name="Member",
        account_role="engineer" if joined else "owner",
        method="password",
        created_at=created_at,
        joined_existing_account=joined,
    )
    return envelope("identity.user.registered", data.model_dump(mode="json"), occurred_at=created_at)


async def publish(app: Any, event: Envelope) -> None:
    runtime = app.state.runtime
    await runtime.publisher.publish(build_message(event.model_dump(mode="json"), {}), event.type)


async def processed(app: Any, event: Envelope) -> bool:
    """True once billing's inbox holds the event (the handler's writes committed with it)."""
    async with app.state.runtime.factory() as session:
        found = await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == event.id))
    return found is not None


async def subscriptions_of(app: Any, account_id: uuid.UUID) -> list[Subscription]:
    async with app.state.runtime.factory() as session:
        rows = await session.scalars(select(Subscription).where(Subscription.account_id == account_id))
        return list(rows)


async def changed_events_of(app: Any, account_id: uuid.UUID) -> list[dict[str, Any]]:
    """The `billing.subscription.changed` envelopes billing wrote to its outbox for the account."""
    async with app.state.runtime.factory() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(
                outbox.c.type == "billing.subscription.changed",
                outbox.c.envelope["data"]["account_id"].astext == str(account_id),
            )
            .order_by(outbox.c.created_at)
        )
        return list(rows)
