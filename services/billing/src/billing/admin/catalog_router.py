"""HTTP of catalog administration: plan limits and feature flags (api.md §4.4)."""

from uuid import UUID

from fastapi import APIRouter, Response, status

from billing.admin import feature_flags, plan_limits
from billing.admin.catalog_schemas import (
    FeatureFlagCreate,
    FeatureFlagUpdate,
    FeatureFlagView,
    FeatureOverrideUpsert,
    FeatureOverrideView,
    PlanCatalogEntry,
    PlanDefault,
    PlanLimitsUpdate,
)
from billing.admin.deps import RuntimeOutbox
from billing.db import Session
from shared.auth import SuperAdminClaims as AdminClaims

router = APIRouter(prefix="/api/v1/admin", tags=["admin: catalog"])


@router.get("/plan-limits")
async def list_plan_limits(_: AdminClaims, session: Session) -> list[PlanCatalogEntry]:
    return await plan_limits.catalog(session=session)


@router.put("/plan-limits")
async def update_plan_limits(
    body: PlanLimitsUpdate, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> PlanCatalogEntry:
    return await plan_limits.update_plan(session=session, outbox=outbox, actor_id=claims.user_id, update=body)


@router.get("/feature-flags")
async def list_feature_flags(_: AdminClaims, session: Session) -> list[FeatureFlagView]:
    return await feature_flags.list_flags(session=session)


@router.post("/feature-flags", status_code=status.HTTP_201_CREATED)
async def create_feature_flag(
    body: FeatureFlagCreate, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> FeatureFlagView:
    return await feature_flags.create_flag(session=session, outbox=outbox, actor_id=claims.user_id, body=body)


# the fixed paths come before `/feature-flags/{flag_id}`
@router.put("/feature-flags/plan-defaults")
async def set_plan_default(
    body: PlanDefault, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> PlanDefault:
    return await feature_flags.set_plan_default(session=session, outbox=outbox, actor_id=claims.user_id, body=body)


@router.get("/feature-flags/account-overrides")
async def list_feature_overrides(
    _: AdminClaims, session: Session, account_id: UUID | None = None
) -> list[FeatureOverrideView]:
    return await feature_flags.list_overrides(session=session, account_id=account_id)


@router.post("/feature-flags/account-overrides", status_code=status.HTTP_201_CREATED)
async def upsert_feature_override(
    body: FeatureOverrideUpsert, claims: AdminClaims, session: Session, outbox: RuntimeOutbox, response: Response
) -> FeatureOverrideView:
    """201 when the override is new, 200 when it replaced the account's override of that flag."""
    view, created = await feature_flags.upsert_override(
        session=session, outbox=outbox, actor_id=claims.user_id, body=body
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.delete("/feature-flags/account-overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_feature_override(
    override_id: UUID, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> None:
    await feature_flags.delete_override(
        session=session, outbox=outbox, actor_id=claims.user_id, override_id=override_id
    )


@router.put("/feature-flags/{flag_id}")
async def update_feature_flag(
    flag_id: UUID, body: FeatureFlagUpdate, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> FeatureFlagView:
    return await feature_flags.update_flag(
        session=session, outbox=outbox, actor_id=claims.user_id, flag_id=flag_id, body=body
    )


@router.delete("/feature-flags/{flag_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_feature_flag(flag_id: UUID, claims: AdminClaims, session: Session, outbox: RuntimeOutbox) -> None:
    await feature_flags.delete_flag(session=session, outbox=outbox, actor_id=claims.user_id, flag_id=flag_id)
