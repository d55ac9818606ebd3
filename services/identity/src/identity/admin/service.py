"""What a super admin sees and changes of users and accounts (api.md §3.8)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts import members as account_members
from identity.accounts import service as accounts
from identity.accounts.models import Account
from identity.admin.errors import CannotChangeOwnAdminStatus
from identity.audit import service as audit
from identity.auth.sessions import revoke_all_sessions
from identity.users import service as users
from identity.users.models import User


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    owner_email: str | None
    member_count: int


async def _page(session: AsyncSession, statement: Select[Any], *, limit: int, offset: int) -> tuple[list[Any], int]:
    total = await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = (await session.execute(statement.limit(limit).offset(offset))).all()
    return list(rows), total or 0


async def list_users(
    *, session: AsyncSession, email: str | None, account_id: UUID | None, limit: int, offset: int
) -> tuple[list[User], int]:
    """Newest first; `email` matches any part of the address, case-insensitively."""
    statement = select(User).order_by(User.created_at.desc(), User.id.desc())
    if email:
        statement = statement.where(User.email.icontains(email.strip(), autoescape=True))
    if account_id is not None:
        statement = statement.where(User.account_id == account_id)
    rows, total = await _page(session, statement, limit=limit, offset=offset)
    return [row[0] for row in rows], total


async def update_user(
    *,
    session: AsyncSession,
    user_id: UUID,
    actor_id: UUID,
    is_active: bool | None,
    is_super_admin: bool | None,
    now: datetime,
) -> User:
    """Activate/deactivate and promote/demote. Deactivation revokes every live refresh token (reason
    `admin`); an admin may not demote or deactivate themself, so a platform always keeps one."""
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        return await users.get_or_raise(session=session, user_id=user_id)
    wanted = {"is_active": is_active, "is_super_admin": is_super_admin}
    before = {key: getattr(user, key) for key, value in wanted.items() if value is not None}
    after = {key: value for key, value in wanted.items() if value is not None}
    if user.id == actor_id and before != after:
        raise CannotChangeOwnAdminStatus()
    if before == after:
        return user
    for key, value in after.items():
        setattr(user, key, value)
    user.updated_at = now
    if before.get("is_active") and not user.is_active:
        await revoke_all_sessions(session=session, user_id=user.id, reason="admin", now=now)
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="user.update",
        entity_type="user",
        entity_id=user.id,
        details={"before": before, "after": after},
    )
    return user


def _summaries() -> Select[Any]:
    members = select(User.account_id, func.count().label("member_count")).group_by(User.account_id).subquery("members")
    owner = select(User.email).where(User.id == Account.owner_id).correlate(Account).scalar_subquery()
    return (
        select(Account, owner.label("owner_email"), func.coalesce(members.c.member_count, 0))
        .outerjoin(members, members.c.account_id == Account.id)
        .order_by(Account.created_at.desc(), Account.id.desc())
    )


async def list_accounts(
    *, session: AsyncSession, q: str | None, limit: int, offset: int
) -> tuple[list[AccountSummary], int]:
    """Newest first; `q` matches any part of the name or the display code, case-insensitively."""
    statement = _summaries()
    if q and q.strip():
        term = q.strip()
        statement = statement.where(
            or_(Account.name.icontains(term, autoescape=True), Account.display_code.icontains(term, autoescape=True))
        )
    rows, total = await _page(session, statement, limit=limit, offset=offset)
    return [AccountSummary(account=a, owner_email=e, member_count=int(n)) for a, e, n in rows], total


async def account_with_members(*, session: AsyncSession, account_id: UUID) -> tuple[Account, list[User]]:
    account = await accounts.get_or_raise(session=session, account_id=account_id)
    return account, await account_members.list_members(session=session, account_id=account.id)
