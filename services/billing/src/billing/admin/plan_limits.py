"""`/admin/plan-limits`: the raw catalog, and its partial update by the fields an admin sends."""

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.admin.catalog_schemas import (
    BILLING_FIELDS,
    BILLING_REQUIRED,
    LIMIT_NUMBERS,
    LIMIT_SETTINGS,
    PlanCatalogEntry,
    PlanLimitsUpdate,
)
from billing.admin.errors import PlanNotFound
from billing.admin.events import CatalogChange, plan_catalog_changed
from billing.audit import service as audit
from billing.catalog.models import PlanBilling, PlanLimits
from billing.catalog.schemas import PlanLimitsSchema
from shared.bus.outbox import Outbox


def catalog_entry(limits: PlanLimits, billing: PlanBilling | None) -> PlanCatalogEntry:
    billing_values = {name: getattr(billing, name) for name in BILLING_FIELDS} if billing is not None else {}
    return PlanCatalogEntry(**PlanLimitsSchema.model_validate(limits).model_dump(), **billing_values)


async def catalog(*, session: AsyncSession) -> list[PlanCatalogEntry]:
    """Every plan, those without a billing row (free) first, then by `sort_order` and plan."""
    rows = await session.execute(
        select(PlanLimits, PlanBilling)
        .outerjoin(PlanBilling, PlanBilling.plan == PlanLimits.plan)
        .order_by(PlanBilling.sort_order.nulls_first(), PlanLimits.plan)
    )
    return [catalog_entry(limits, billing) for limits, billing in rows]


def _limit_changes(update: PlanLimitsUpdate) -> dict[str, Any]:
    sent = update.model_fields_set
    changes = {name: getattr(update, name) for name in sent & LIMIT_NUMBERS}
    changes |= {name: getattr(update, name) for name in sent & LIMIT_SETTINGS if getattr(update, name) is not None}
    return changes


def _billing_changes(update: PlanLimitsUpdate) -> dict[str, Any]:
    sent = update.model_fields_set & BILLING_FIELDS
    return {
        name: getattr(update, name)
        for name in sent
        if getattr(update, name) is not None or name not in BILLING_REQUIRED
    }


async def update_plan(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, update: PlanLimitsUpdate
) -> PlanCatalogEntry:
    """Change only what was sent: a null number is unlimited, a null boolean or format list is ignored;
    billing fields update the plan's billing row or create it. Audited; announces the plan's change."""
    limits = await session.get(PlanLimits, update.plan, with_for_update=True)
    if limits is None:
        raise PlanNotFound()
    billing = await session.get(PlanBilling, update.plan, with_for_update=True)
    limit_changes = _limit_changes(update)
    billing_sent = bool(update.model_fields_set & BILLING_FIELDS)
    billing_changes = _billing_changes(update)
    if not limit_changes and not billing_sent:
        return catalog_entry(limits, billing)

    before: dict[str, Any] = {name: getattr(limits, name) for name in limit_changes}
    for name, value in limit_changes.items():
        setattr(limits, name, value)
    if billing_sent:
        if billing is None:
            billing = PlanBilling(
                plan=update.plan,
                display_name=update.plan.capitalize(),
                is_public=True,
                is_archived=False,
                sort_order=0,
            )
            session.add(billing)
        else:
            before |= {name: getattr(billing, name) for name in billing_changes}
        for name, value in billing_changes.items():
            setattr(billing, name, value)
    await session.flush()

    await audit.record(
        session=session,
        actor_id=actor_id,
        action="plan_limits.update",
        entity_type="plan",
        entity_id=update.plan,
        details={
            "plan": update.plan,
            "updated_billing": billing_sent,
            "before": before,
            "after": limit_changes | billing_changes,
        },
    )
    change: CatalogChange = "plan_limits" if limit_changes else "plan_billing"
    await outbox.add(session, plan_catalog_changed(plans=[update.plan], change=change, changed_by=actor_id))
    return catalog_entry(limits, billing)
