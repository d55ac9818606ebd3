from fastapi import APIRouter

from onboarding.db import Session
from onboarding.progress import service
from onboarding.progress.schemas import OnboardingStatus
from shared.auth import TenantClaims

router = APIRouter(prefix="/api/v1/users", tags=["onboarding"])


@router.get("/onboarding-status")
async def onboarding_status(claims: TenantClaims, session: Session) -> OnboardingStatus:
    assert claims.account_id is not None
    return await service.status(
        session=session,
        user_id=claims.user_id,
        account_id=claims.account_id,
        token_email_verified_at=claims.email_verified_at,
        user_created_at=claims.user_created_at,
    )
