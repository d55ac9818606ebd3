"""Usage counters: created on first use; the monthly ones read as 0 once their month has passed."""

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.usage.models import AccountUsage
from billing.usage.schemas import Usage


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
