from uuid import UUID

from fastapi import APIRouter

from billing.db import Now, Session
from billing.subscriptions import service
from billing.subscriptions.schemas import AccountSubscription, BillingState
from shared.auth import AccessClaims, TenantClaims

router = APIRouter(prefix="/api/v1", tags=["subscriptions"])


def _account_id(claims: AccessClaims) -> UUID:
    assert claims.account_id is not None  # guaranteed by the tenant policy
    return claims.account_id


@router.get("/billing/state")
async def billing_state(claims: TenantClaims, session: Session, now: Now) -> BillingState:
    return await service.billing_state(session=session, account_id=_account_id(claims), now=now)


@router.get("/accounts/me/subscription")
async def my_subscription(claims: TenantClaims, session: Session, now: Now) -> AccountSubscription:
    return await service.account_subscription(session=session, account_id=_account_id(claims), now=now)
