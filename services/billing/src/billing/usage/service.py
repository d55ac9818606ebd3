"""Usage counters: created on first use; the monthly ones read as 0 once their month has passed."""

from datetime import UTC, date, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.usage.models import AccountUsage, UsageReservation
from billing.usage.schemas import Usage
from shared.events import ActivityRecorded

Metric = Literal["trees", "sessions_this_month"]
MONTHLY = ("sessions_this_month", "ai_builds_this_month")


def month_start(moment: datetime) -> date:
    """First day of `moment`'s UTC month."""
    return moment.astimezone(UTC).date().replace(day=1)


async def record_member_joined(*, session: AsyncSession, account_id: UUID, now: datetime) -> None:
    """One more user in the account (the counters row is created on first use)."""
    stmt = insert(AccountUsage).values(account_id=account_id, users=1, period_start=month_start(now))
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[AccountUsage.account_id],
            set_={"users": AccountUsage.users + 1, "updated_at": now},
        )
    )


def usage_view(row: AccountUsage | None, now: datetime) -> Usage:
    """The counters as of `now`: zeros when nothing is known, monthly counters 0 in a new month."""
    if row is None:
        return Usage(trees=0, sessions_this_month=0, ai_builds_this_month=0, users=0, as_of=now)
    current = row.period_start >= month_start(now)
    return Usage(
        trees=row.trees,
        sessions_this_month=row.sessions_this_month if current else 0,
        ai_builds_this_month=row.ai_builds_this_month if current else 0,
        users=row.users,
        as_of=row.totals_as_of or row.updated_at,
    )


async def usage_of(*, session: AsyncSession, account_id: UUID, now: datetime) -> Usage:
    return usage_view(await session.get(AccountUsage, account_id), now)


def _as_of_month(column: Any, month: date) -> ColumnElement[int]:
    """A monthly counter's value in `month`: 0 when the row still counts an earlier month."""
    return case((AccountUsage.period_start < month, 0), else_=column)


async def ensure_counters(*, session: AsyncSession, account_id: UUID, now: datetime) -> None:
    """Create the account's counters row (all zero, this month) unless it exists."""
    await session.execute(
        insert(AccountUsage)
        .values(account_id=account_id, period_start=month_start(now), updated_at=now)
        .on_conflict_do_nothing(index_elements=[AccountUsage.account_id])
    )


async def try_increment(
    *, session: AsyncSession, account_id: UUID, metric: Metric, amount: int, maximum: int | None, now: datetime
) -> int | None:
    """Add `amount` to `metric` if the result stays within `maximum` (None = unlimited), in one
    statement that also starts a new month's counters; the new value, or None when refused.
    Concurrent callers queue on the row lock and re-check the limit against the committed value."""
    month = month_start(now)
    current: dict[str, ColumnElement[int]] = {
        "trees": AccountUsage.trees.expression,
        **{name: _as_of_month(getattr(AccountUsage, name), month) for name in MONTHLY},
    }
    values: dict[str, Any] = {
        **current,
        metric: current[metric] + amount,
        "period_start": func.greatest(AccountUsage.period_start, month),
        "updated_at": now,
    }
    stmt = (
        update(AccountUsage)
        .where(AccountUsage.account_id == account_id)
        .values(values)
        .returning(getattr(AccountUsage, metric))
        .execution_options(synchronize_session=False)
    )
    if maximum is not None:
        stmt = stmt.where(current[metric] + amount <= maximum)
    value: int | None = (await session.execute(stmt)).scalar_one_or_none()
    return value


async def counter_value(*, session: AsyncSession, account_id: UUID, metric: Metric, now: datetime) -> int:
    """`metric` as of `now` (a monthly counter of an earlier month reads 0)."""
    column = getattr(AccountUsage, metric)
    expression = column if metric == "trees" else _as_of_month(column, month_start(now))
    value = await session.scalar(select(expression).where(AccountUsage.account_id == account_id))
    return int(value or 0)


async def release_reservation(*, session: AsyncSession, reservation_id: UUID, now: datetime) -> bool:
    """Mark the reservation released and give its units back, once; False when it was unknown or
    already released. Units of a reservation that a later product total already replaced, or of a
    month that has since ended, are not taken off again."""
    released = (
        await session.execute(
            update(UsageReservation)
            .where(UsageReservation.id == reservation_id, UsageReservation.released_at.is_(None))
            .values(released_at=now)
            .returning(
                UsageReservation.account_id,
                UsageReservation.metric,
                UsageReservation.amount,
                UsageReservation.period_start,
                UsageReservation.created_at,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    if released is None:
        return False
    column = getattr(AccountUsage, released.metric)
    stmt = (
        update(AccountUsage)
        .where(
            AccountUsage.account_id == released.account_id,
            or_(AccountUsage.totals_as_of.is_(None), AccountUsage.totals_as_of < released.created_at),
        )
        .values({released.metric: func.greatest(column - released.amount, 0), "updated_at": now})
        .execution_options(synchronize_session=False)
    )
    if released.metric in MONTHLY:
        stmt = stmt.where(AccountUsage.period_start == released.period_start)
    await session.execute(stmt)
    return True


async def _reserved_since(
    *, session: AsyncSession, account_id: UUID, metric: Metric, since: datetime, period_start: date | None = None
) -> int:
    """Units of unreleased reservations made after `since` (optionally of one month only)."""
    stmt = select(func.coalesce(func.sum(UsageReservation.amount), 0)).where(
        UsageReservation.account_id == account_id,
        UsageReservation.metric == metric,
        UsageReservation.released_at.is_(None),
        UsageReservation.created_at > since,
    )
    if period_start is not None:
        stmt = stmt.where(UsageReservation.period_start == period_start)
    return int(await session.scalar(stmt) or 0)


async def record_activity(*, session: AsyncSession, data: ActivityRecorded, now: datetime) -> None:
    """Apply the product's activity to the counters. Totals newer than the last applied ones replace
    the counters (plus reservations made after them); a count change the product reports without
    totals moves one counter, unless newer totals already include it. Safe in any order."""
    await ensure_counters(session=session, account_id=data.account_id, now=now)
    row = await session.scalar(
        select(AccountUsage)
        .where(AccountUsage.account_id == data.account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # ensured above
    if row.totals_as_of is not None and data.occurred_at <= row.totals_as_of:
        return
    if data.totals is not None:
        totals = data.totals
        row.trees = totals.trees + await _reserved_since(
            session=session, account_id=row.account_id, metric="trees", since=data.occurred_at
        )
        if totals.period_start >= row.period_start:
            row.sessions_this_month = totals.sessions_this_month + await _reserved_since(
                session=session,
                account_id=row.account_id,
                metric="sessions_this_month",
                since=data.occurred_at,
                period_start=totals.period_start,
            )
            row.ai_builds_this_month = totals.ai_builds_this_month
            row.period_start = totals.period_start
        row.totals_as_of = data.occurred_at
    elif data.activity == "flow_deleted":
        row.trees = max(row.trees - 1, 0)
    elif data.activity == "ai_build":
        month = month_start(now)
        if row.period_start < month:
            row.sessions_this_month = row.ai_builds_this_month = 0
            row.period_start = month
        if month_start(data.occurred_at) == row.period_start:
            row.ai_builds_this_month += 1
    else:
        return  # creations were counted by the gateway's reservation; the rest moves no counter
    row.updated_at = now
    await session.flush()
