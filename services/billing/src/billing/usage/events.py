"""Handlers of the events that move usage counters (events.md §4)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from billing.usage import service
from shared.bus.consumer import Handler
from shared.clock import Clock
from shared.events import ActivityRecorded, Envelope, UserRegistered


def handlers(*, clock: Clock) -> dict[str, Handler[Any]]:
    async def on_user_registered(session: AsyncSession, event: Envelope, data: UserRegistered) -> None:
        await service.record_member_joined(session=session, account_id=data.account_id, now=clock.now())

    async def on_activity_recorded(session: AsyncSession, event: Envelope, data: ActivityRecorded) -> None:
        await service.record_activity(session=session, data=data, now=clock.now())

    return {
        "identity.user.registered": Handler(UserRegistered, on_user_registered),
        "product.activity.recorded": Handler(ActivityRecorded, on_activity_recorded),
    }
