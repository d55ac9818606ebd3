"""Feature flags: their definitions, each plan's default and the accounts' overrides."""

from collections import defaultdict
from uuid import UUID

from sqlalchemy import false, literal, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from billing.admin.catalog_schemas import (
    FeatureFlagCreate,
    FeatureFlagUpdate,
    FeatureFlagView,
    FeatureOverrideUpsert,
    FeatureOverrideView,
    PlanDefault,
)
from billing.admin.errors import FeatureFlagExists, FeatureFlagNotFound, OverrideNotFound, PlanNotFound
from billing.admin.events import feature_override_changed, plan_catalog_changed
from billing.audit import service as audit
from billing.catalog.models import AccountFeatureOverride, FeatureFlag, PlanFeatureDefault, PlanLimits
from shared.bus.outbox import Outbox


async def _plan_defaults(session: AsyncSession, flag_ids: list[UUID]) -> dict[UUID, dict[str, bool]]:
    rows = await session.execute(
        select(PlanFeatureDefault.flag_id, PlanFeatureDefault.plan, PlanFeatureDefault.enabled)
        .where(PlanFeatureDefault.flag_id.in_(flag_ids))
        .order_by(PlanFeatureDefault.plan)
    )
    defaults: dict[UUID, dict[str, bool]] = defaultdict(dict)
    for flag_id, plan, enabled in rows:
        defaults[flag_id][plan] = enabled
    return defaults


def _view(flag: FeatureFlag, plan_defaults: dict[str, bool]) -> FeatureFlagView:
    return FeatureFlagView(
        id=flag.id,
        flag_key=flag.flag_key,
        display_name=flag.display_name,
        description=flag.description,
        plan_defaults=plan_defaults,
        created_at=flag.created_at,
        updated_at=flag.updated_at,
    )


async def _get_or_raise(session: AsyncSession, flag_id: UUID) -> FeatureFlag:
    flag = await session.get(FeatureFlag, flag_id, with_for_update=True)
    if flag is None:
        raise FeatureFlagNotFound()
    return flag


async def _by_key_or_raise(session: AsyncSession, flag_key: str) -> FeatureFlag:
    flag = await session.scalar(select(FeatureFlag).where(FeatureFlag.flag_key == flag_key))
    if flag is None:
        raise FeatureFlagNotFound()
    return flag


async def list_flags(*, session: AsyncSession) -> list[FeatureFlagView]:
    flags = list(await session.scalars(select(FeatureFlag).order_by(FeatureFlag.flag_key)))
    defaults = await _plan_defaults(session, [flag.id for flag in flags])
    return [_view(flag, defaults.get(flag.id, {})) for flag in flags]


async def create_flag(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, body: FeatureFlagCreate
) -> FeatureFlagView:
    """A new flag, off by default on every plan (so each (plan, flag) pair keeps its default row)."""
    flag = await session.scalar(
        insert(FeatureFlag)
        .values(flag_key=body.flag_key, display_name=body.display_name, description=body.description)
        .on_conflict_do_nothing(index_elements=[FeatureFlag.flag_key])
        .returning(FeatureFlag)
    )
    if flag is None:
        raise FeatureFlagExists()
    await session.execute(
        insert(PlanFeatureDefault).from_select(
            ["plan", "flag_id", "enabled"], select(PlanLimits.plan, literal(flag.id), false())
        )
    )
    defaults = await _plan_defaults(session, [flag.id])
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="feature_flag.create",
        entity_type="feature_flag",
        entity_id=flag.id,
        details={"flag_key": flag.flag_key, "display_name": flag.display_name, "description": flag.description},
    )
    await outbox.add(session, plan_catalog_changed(plans=None, change="feature_flag", changed_by=actor_id))
    return _view(flag, defaults.get(flag.id, {}))


async def update_flag(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, flag_id: UUID, body: FeatureFlagUpdate
) -> FeatureFlagView:
    flag = await _get_or_raise(session, flag_id)
    changes: dict[str, str | None] = {}
    if "display_name" in body.model_fields_set and body.display_name is not None:
        changes["display_name"] = body.display_name
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    before = {name: getattr(flag, name) for name in changes}
    for name, value in changes.items():
        setattr(flag, name, value)
    if changes:
        await session.flush()
        await session.refresh(flag)
        await audit.record(
            session=session,
            actor_id=actor_id,
            action="feature_flag.update",
            entity_type="feature_flag",
            entity_id=flag.id,
            details={"flag_key": flag.flag_key, "before": before, "after": changes},
        )
        await outbox.add(session, plan_catalog_changed(plans=None, change="feature_flag", changed_by=actor_id))
    defaults = await _plan_defaults(session, [flag.id])
    return _view(flag, defaults.get(flag.id, {}))


async def delete_flag(*, session: AsyncSession, outbox: Outbox, actor_id: UUID, flag_id: UUID) -> None:
    """The flag goes with its plan defaults and account overrides (foreign keys cascade)."""
    flag = await _get_or_raise(session, flag_id)
    flag_key = flag.flag_key
    await session.delete(flag)
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="feature_flag.delete",
        entity_type="feature_flag",
        entity_id=flag_id,
        details={"flag_key": flag_key},
    )
    await outbox.add(session, plan_catalog_changed(plans=None, change="feature_flag", changed_by=actor_id))


async def set_plan_default(*, session: AsyncSession, outbox: Outbox, actor_id: UUID, body: PlanDefault) -> PlanDefault:
    if await session.get(PlanLimits, body.plan) is None:
        raise PlanNotFound()
    flag = await _by_key_or_raise(session, body.flag_key)
    stmt = insert(PlanFeatureDefault).values(plan=body.plan, flag_id=flag.id, enabled=body.enabled)
    previous = await session.scalar(
        select(PlanFeatureDefault.enabled)
        .where(PlanFeatureDefault.plan == body.plan, PlanFeatureDefault.flag_id == flag.id)
        .with_for_update()
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[PlanFeatureDefault.plan, PlanFeatureDefault.flag_id],
            set_={"enabled": stmt.excluded.enabled, "updated_at": stmt.excluded.updated_at},
        )
    )
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="feature_flag.plan_default",
        entity_type="feature_flag",
        entity_id=flag.id,
        details={"plan": body.plan, "flag_key": flag.flag_key, "before": previous, "after": body.enabled},
    )
    await outbox.add(session, plan_catalog_changed(plans=[body.plan], change="feature_default", changed_by=actor_id))
    return PlanDefault(plan=body.plan, flag_key=flag.flag_key, enabled=body.enabled)


async def list_overrides(*, session: AsyncSession, account_id: UUID | None) -> list[FeatureOverrideView]:
    query = select(AccountFeatureOverride, FeatureFlag.flag_key).join(
        FeatureFlag, FeatureFlag.id == AccountFeatureOverride.flag_id
    )
    if account_id is not None:
        query = query.where(AccountFeatureOverride.account_id == account_id)
    rows = await session.execute(query.order_by(AccountFeatureOverride.created_at, AccountFeatureOverride.id))
    return [_override_view(override, flag_key) for override, flag_key in rows]


def _override_view(override: AccountFeatureOverride, flag_key: str) -> FeatureOverrideView:
    return FeatureOverrideView(
        id=override.id,
        account_id=override.account_id,
        flag_id=override.flag_id,
        flag_key=flag_key,
        enabled=override.enabled,
        note=override.note,
        created_at=override.created_at,
    )


async def upsert_override(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, body: FeatureOverrideUpsert
) -> tuple[FeatureOverrideView, bool]:
    """The account's override of the flag, created or replaced (one per account and flag); True when
    created."""
    flag = await _by_key_or_raise(session, body.flag_key)
    previous = await session.scalar(
        select(AccountFeatureOverride.enabled)
        .where(AccountFeatureOverride.account_id == body.account_id, AccountFeatureOverride.flag_id == flag.id)
        .with_for_update()
    )
    stmt = insert(AccountFeatureOverride).values(
        account_id=body.account_id, flag_id=flag.id, enabled=body.enabled, note=body.note, created_by=actor_id
    )
    upsert: Executable = (
        stmt.on_conflict_do_update(
            index_elements=[AccountFeatureOverride.account_id, AccountFeatureOverride.flag_id],
            set_={"enabled": stmt.excluded.enabled, "note": stmt.excluded.note, "updated_at": stmt.excluded.updated_at},
        )
        # xmax is 0 only on a row this statement inserted (not one it updated)
        .returning(AccountFeatureOverride, literal_column("xmax = 0").label("inserted"))
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(upsert)).one()
    override: AccountFeatureOverride = row[0]
    created = bool(row[1])
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="feature_override.upsert",
        entity_type="account",
        entity_id=body.account_id,
        details={
            "flag_key": flag.flag_key,
            "created": created,
            "before": previous,
            "after": body.enabled,
            "note": body.note,
        },
    )
    await outbox.add(
        session,
        feature_override_changed(
            account_id=body.account_id, flag_key=flag.flag_key, enabled=body.enabled, changed_by=actor_id
        ),
    )
    return _override_view(override, flag.flag_key), created


async def delete_override(*, session: AsyncSession, outbox: Outbox, actor_id: UUID, override_id: UUID) -> None:
    override = await session.get(AccountFeatureOverride, override_id, with_for_update=True)
    if override is None:
        raise OverrideNotFound()
    flag_key = await session.scalar(select(FeatureFlag.flag_key).where(FeatureFlag.id == override.flag_id))
    assert flag_key is not None  # the override's flag exists (a flag's deletion takes its overrides)
    account_id, enabled = override.account_id, override.enabled
    await session.delete(override)
    await session.flush()
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="feature_override.delete",
        entity_type="account",
        entity_id=account_id,
        details={"flag_key": flag_key, "before": enabled},
    )
    await outbox.add(
        session, feature_override_changed(account_id=account_id, flag_key=flag_key, enabled=None, changed_by=actor_id)
    )
