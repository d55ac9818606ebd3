from uuid import UUID

from fastapi import APIRouter

from identity.accounts import service
from identity.accounts.schemas import InternalAccount
from identity.db import Session
from shared.auth import InternalCaller

internal_router = APIRouter(prefix="/internal/accounts", tags=["internal"], dependencies=[InternalCaller])


@internal_router.get("/{account_id}")
async def internal_account(account_id: UUID, session: Session) -> InternalAccount:
    return await service.internal_view(session=session, account_id=account_id)
