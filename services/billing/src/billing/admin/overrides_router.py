"""HTTP of account limit overrides (api.md §4.4)."""

from uuid import UUID

from fastapi import APIRouter, status

from billing.admin import limit_overrides
from billing.admin.catalog_schemas import LimitOverrideCreate, LimitOverrideFields, LimitOverrideView
from billing.admin.deps import RuntimeOutbox
from billing.db import Session
from shared.auth import SuperAdminClaims as AdminClaims

router = APIRouter(prefix="/api/v1/admin/account-overrides", tags=["admin: catalog"])


@router.get("")
async def list_limit_overrides(
    _: AdminClaims, session: Session, account_id: UUID | None = None
) -> list[LimitOverrideView]:
    return await limit_overrides.list_overrides(session=session, account_id=account_id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_limit_override(
    body: LimitOverrideCreate, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> LimitOverrideView:
    return await limit_overrides.create_override(session=session, outbox=outbox, actor_id=claims.user_id, body=body)


@router.put("/{override_id}")
async def update_limit_override(
    override_id: UUID, body: LimitOverrideFields, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> LimitOverrideView:
    return await limit_overrides.update_override(
        session=session, outbox=outbox, actor_id=claims.user_id, override_id=override_id, body=body
    )


@router.delete("/{override_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_limit_override(
    override_id: UUID, claims: AdminClaims, session: Session, outbox: RuntimeOutbox
) -> None:
    await limit_overrides.delete_override(
        session=session, outbox=outbox, actor_id=claims.user_id, override_id=override_id
    )
