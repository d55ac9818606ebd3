"""Reserving usage before the product creates something: the gateway's within-limit check (api.md §4.6)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing.catalog import service as catalog
from billing.subscriptions import service as subscriptions
from billing.usage import service
from billing.usage.errors import NoSubscriptionToReserve
from billing.usage.models import UsageReservation
from billing.usage.schemas import ReserveAllowed, ReserveRefused
from billing.usage.service import Metric

LimitName = Literal["max_trees", "max_sessions_per_month"]
LIMIT_OF: dict[Metric, LimitName] = {"trees": "max_trees", "sessions_this_month": "max_sessions_per_month"}


async def reserve(
    *, session: AsyncSession, account_id: UUID, metric: Metric, amount: int, now: datetime
) -> ReserveAllowed | ReserveRefused:
    """Count `amount` units of `metric` if the account's effective limit allows them; the check and the
    increment are one statement, so N concurrent callers with one unit left get exactly one yes."""
    sub = await subscriptions.get(session=session, account_id=account_id)
    if sub is None:
        raise NoSubscriptionToReserve()
    limits = await catalog.effective_limits(
        session=session, account_id=account_id, plan=sub.plan, seat_limit=sub.seat_limit
    )
    limit_name = LIMIT_OF[metric]
    maximum: int | None = getattr(limits, limit_name)
    await service.ensure_counters(session=session, account_id=account_id, now=now)
    used = await service.try_increment(
        session=session, account_id=account_id, metric=metric, amount=amount, maximum=maximum, now=now
    )
    if used is None:
        assert maximum is not None  # an unlimited metric is never refused
        return ReserveRefused(
            limit=limit_name,
            used=await service.counter_value(session=session, account_id=account_id, metric=metric, now=now),
            max=maximum,
            plan=sub.plan,
        )
    reservation = UsageReservation(
        account_id=account_id,
        metric=metric,
        amount=amount,
        period_start=service.month_start(now),
        created_at=now,
    )
    session.add(reservation)
    await session.flush()
    return ReserveAllowed(reservation_id=reservation.id, used=used, max=maximum)


async def release(*, session: AsyncSession, reservation_id: UUID, now: datetime) -> None:
    """Give a reservation's units back once; an unknown or already released id changes nothing."""
    await service.release_reservation(session=session, reservation_id=reservation_id, now=now)
