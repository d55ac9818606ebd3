from fastapi import APIRouter

from onboarding.db import Now, Session
from onboarding.deps import EventOutbox
from onboarding.progress import service
from onboarding.progress.schemas import OnboardingStatus, StepUpdate, WizardState
from onboarding.progress.service import Caller
from shared.auth import AccessClaims, TenantClaims

router = APIRouter(prefix="/api/v1/users", tags=["onboarding"])


def caller_of(claims: AccessClaims) -> Caller:
    assert claims.account_id is not None  # the tenant policy guarantees it
    return Caller(
        user_id=claims.user_id,
        account_id=claims.account_id,
        account_role=claims.account_role,
        user_created_at=claims.user_created_at,
    )


@router.get("/onboarding-status")
async def onboarding_status(claims: TenantClaims, session: Session) -> OnboardingStatus:
    return await service.status(
        session=session, caller=caller_of(claims), token_email_verified_at=claims.email_verified_at
    )


@router.post("/onboarding-dismiss")
async def dismiss_onboarding(claims: TenantClaims, session: Session, outbox: EventOutbox, now: Now) -> OnboardingStatus:
    row = await service.dismiss(session=session, outbox=outbox, caller=caller_of(claims), now=now)
    return await service.status_of(session=session, row=row, token_email_verified_at=claims.email_verified_at)


@router.patch("/me/onboarding-step")
async def update_onboarding_step(
    body: StepUpdate, claims: TenantClaims, session: Session, outbox: EventOutbox, now: Now
) -> WizardState:
    row = await service.record_step(session=session, outbox=outbox, caller=caller_of(claims), update=body, now=now)
    return WizardState(
        onboarding_step_completed=row.onboarding_step_completed, onboarding_dismissed=row.onboarding_dismissed
    )


@router.post("/me/onboarding-dismiss-rest")
async def dismiss_rest(claims: TenantClaims, session: Session, outbox: EventOutbox, now: Now) -> WizardState:
    row = await service.dismiss(session=session, outbox=outbox, caller=caller_of(claims), now=now)
    return WizardState(onboarding_step_completed=row.onboarding_step_completed, onboarding_dismissed=True)
