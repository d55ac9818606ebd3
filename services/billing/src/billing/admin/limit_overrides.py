"""Per-account limit overrides: a null column inherits the plan's value."""

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.admin.catalog_schemas import LimitOverrideCreate, LimitOverrideFields, LimitOverrideView
from billing.admin.errors import OverrideExists, OverrideNotFound
from billing.admin.events import limit_override_changed
from billing.audit import service as audit
from billing.catalog.models import AccountLimitOverride
from shared.bus.outbox import Outbox

FIELDS = tuple(LimitOverrideFields.model_fields)


def _values(override: AccountLimitOverride) -> dict[str, Any]:
    return {name: getattr(override, name) for name in FIELDS}


async def list_overrides(*, session: AsyncSession, account_id: UUID | None) -> list[LimitOverrideView]:
    query = select(AccountLimitOverride).order_by(AccountLimitOverride.created_at, AccountLimitOverride.id)
    if account_id is not None:
        query = query.where(AccountLimitOverride.account_id == account_id)
    return [LimitOverrideView.model_validate(row) for row in await session.scalars(query)]


async def create_override(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, body: LimitOverrideCreate
) -> LimitOverrideView:
    """The account's one override row; 409 when it already has one."""
    values = body.model_dump(include=set(FIELDS))
    override = await session.scalar(
        insert(AccountLimitOverride)
        .values(account_id=body.account_id, created_by=actor_id, **values)
        .on_conflict_do_nothing(index_elements=[AccountLimitOverride.account_id])
        .returning(AccountLimitOverride)
    )
    if override is None:
        raise OverrideExists()
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="limit_override.create",
        entity_type="account",
        entity_id=body.account_id,
        details={"override_id": str(override.id), "after": values},
    )
    await outbox.add(session, limit_override_changed(account_id=body.account_id, changed_by=actor_id))
    return LimitOverrideView.model_validate(override)


async def _get_or_raise(session: AsyncSession, override_id: UUID) -> AccountLimitOverride:
    override = await session.get(AccountLimitOverride, override_id, with_for_update=True)
    if override is None:
        raise OverrideNotFound()
    return override


async def update_override(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, override_id: UUID, body: LimitOverrideFields
) -> LimitOverrideView:
    """Only the fields sent change; an explicit null makes that limit inherit the plan's again."""
    override = await _get_or_raise(session, override_id)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    before = {name: getattr(override, name) for name in changes}
    if changes:
        for name, value in changes.items():
            setattr(override, name, value)
        await session.flush()
        await session.refresh(override)
        await audit.record(
            session=session,
            actor_id=actor_id,
            action="limit_override.update",
            entity_type="account",
            entity_id=override.account_id,
            details={"override_id": str(override.id), "before": before, "after": changes},
        )
        await outbox.add(session, limit_override_changed(account_id=override.account_id, changed_by=actor_id))
    return LimitOverrideView.model_validate(override)


async def delete_override(*, session: AsyncSession, outbox: Outbox, actor_id: UUID, override_id: UUID) -> None:
    override = await _get_or_raise(session, override_id)
    account_id, before = override.account_id, _values(override)
    await session.delete(override)
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="limit_override.delete",
        entity_type="account",
        entity_id=account_id,
        details={"override_id": str(override_id), "before": before},
    )
    await outbox.add(session, limit_override_changed(account_id=account_id, changed_by=actor_id))
