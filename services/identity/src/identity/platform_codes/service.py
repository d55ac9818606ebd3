"""Platform invite codes as admins manage them (api.md §3.6); registration redeems them through
`identity.invites.service`."""

import secrets
import string
from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.audit import service as audit
from identity.invites.models import InviteCode
from identity.platform_codes.errors import ExpiryNotInFuture, InviteCodeAlreadyUsed, InviteCodeNotFound
from identity.platform_codes.schemas import InviteCodeCreate
from shared.bus.outbox import Outbox
from shared.events import InviteCodeCreated

CODE_ALPHABET = string.ascii_uppercase + string.digits
CODE_LENGTH = 12
CODE_TRIES = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def register_url(frontend_url: str, code: str) -> str:
    return f"{frontend_url.rstrip('/')}/register?invite_code={quote(code)}"


def _audited_fields(invite: InviteCode) -> dict[str, Any]:
    # the code itself is a credential: the audit trail names the row, not the code
    return {
        "assigned_plan": invite.assigned_plan,
        "trial_duration_days": invite.trial_duration_days,
        "email": invite.email,
        "note": invite.note,
        "expires_at": invite.expires_at.isoformat() if invite.expires_at else None,
        "is_active": invite.is_active,
    }


async def create(
    *,
    session: AsyncSession,
    outbox: Outbox,
    request: InviteCodeCreate,
    created_by_id: UUID,
    frontend_url: str,
    now: datetime,
) -> InviteCode:
    """A new code (12 random `[A-Z0-9]`, drawn again on the rare collision), audited and announced."""
    if request.expires_at is not None and request.expires_at <= now:
        raise ExpiryNotInFuture()
    values = request.model_dump() | {"created_by_id": created_by_id, "created_at": now}
    for _ in range(CODE_TRIES):
        invite_id = await session.scalar(
            insert(InviteCode)
            .values(code=new_code(), **values)
            .on_conflict_do_nothing(index_elements=[InviteCode.code])
            .returning(InviteCode.id)
        )
        if invite_id is not None:
            break
    else:
        raise RuntimeError(f"no free invite code after {CODE_TRIES} draws")
    invite = await get_or_raise(session=session, invite_id=invite_id)
    await audit.record(
        session=session,
        actor_id=created_by_id,
        action="invite_code.create",
        entity_type="invite_code",
        entity_id=invite.id,
        details={"after": _audited_fields(invite)},
    )
    await outbox.add(
        session,
        InviteCodeCreated(
            invite_code_id=invite.id,
            code=invite.code,
            email=invite.email,
            assigned_plan=invite.assigned_plan,
            trial_duration_days=invite.trial_duration_days,
            expires_at=invite.expires_at,
            register_url=register_url(frontend_url, invite.code),
        ),
    )
    return invite


async def get_or_raise(*, session: AsyncSession, invite_id: UUID, lock: bool = False) -> InviteCode:
    statement = select(InviteCode).where(InviteCode.id == invite_id)
    invite = await session.scalar(statement.with_for_update() if lock else statement)
    if invite is None:
        raise InviteCodeNotFound()
    return invite


async def list_codes(*, session: AsyncSession, used: bool | None) -> list[InviteCode]:
    """Newest first; `used` filters on whether someone has signed up with the code."""
    statement = select(InviteCode).order_by(InviteCode.created_at.desc(), InviteCode.id.desc())
    if used is not None:
        statement = statement.where(InviteCode.used_at.is_not(None) if used else InviteCode.used_at.is_(None))
    return list((await session.scalars(statement)).all())


async def deactivate(*, session: AsyncSession, invite_id: UUID, actor_id: UUID) -> None:
    """`is_active` = false; a used code stays as it is (400). Deactivating twice changes nothing more."""
    invite = await get_or_raise(session=session, invite_id=invite_id, lock=True)
    if invite.used_at is not None or invite.used_by is not None:
        raise InviteCodeAlreadyUsed()
    if not invite.is_active:
        return
    before = _audited_fields(invite)
    invite.is_active = False
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="invite_code.deactivate",
        entity_type="invite_code",
        entity_id=invite.id,
        details={"before": before, "after": _audited_fields(invite)},
    )
