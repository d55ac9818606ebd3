from uuid import UUID

from fastapi import APIRouter

from billing.db import Now, Session
from billing.entitlements import service
from billing.entitlements.schemas import EntitlementSnapshot
from shared.auth import InternalCaller

router = APIRouter(prefix="/internal", tags=["internal"], dependencies=[InternalCaller])


@router.get("/entitlements/{account_id}")
async def entitlements(account_id: UUID, session: Session, now: Now) -> EntitlementSnapshot:
    return await service.snapshot(session=session, account_id=account_id, now=now)
