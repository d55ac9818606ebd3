"""HTTP of subscription administration and the billing metrics (api.md §4.5)."""

from uuid import UUID

from fastapi import APIRouter

from billing.admin import metrics, subscriptions
from billing.admin.deps import Identity, RuntimeOutbox
from billing.admin.errors import InvalidPlan, SubscriptionNotFound
from billing.admin.subscription_schemas import (
    AdminSubscriptionState,
    BillingMetrics,
    PlanAssignment,
    PlanChanged,
    SubscriptionPatch,
)
from billing.db import Now, Session
from shared.auth import SuperAdminClaims as AdminClaims

router = APIRouter(prefix="/api/v1/admin", tags=["admin: subscriptions"])


@router.put("/accounts/{account_id}/plan")
async def set_account_plan(
    account_id: UUID, body: PlanAssignment, claims: AdminClaims, session: Session, outbox: RuntimeOutbox, now: Now
) -> PlanChanged:
    return await subscriptions.change_plan(
        session=session, outbox=outbox, actor_id=claims.user_id, account_id=account_id, plan=body.plan, now=now
    )


@router.put("/users/{user_id}/plan")
async def set_user_plan(
    user_id: UUID,
    body: PlanAssignment,
    claims: AdminClaims,
    session: Session,
    outbox: RuntimeOutbox,
    identity: Identity,
    now: Now,
) -> PlanChanged:
    """The plan of the user's account, found through identity's internal API."""
    if body.plan not in subscriptions.ASSIGNABLE_PLANS:
        raise InvalidPlan()  # before asking identity anything
    account_id = await identity.account_of(user_id)
    if account_id is None:  # a user outside any account has no subscription
        raise SubscriptionNotFound()
    return await subscriptions.change_plan(
        session=session, outbox=outbox, actor_id=claims.user_id, account_id=account_id, plan=body.plan, now=now
    )


@router.patch("/accounts/{account_id}/subscription")
async def patch_subscription(
    account_id: UUID, body: SubscriptionPatch, claims: AdminClaims, session: Session, outbox: RuntimeOutbox, now: Now
) -> AdminSubscriptionState:
    return await subscriptions.patch_subscription(
        session=session, outbox=outbox, actor_id=claims.user_id, account_id=account_id, patch=body, now=now
    )


@router.get("/billing/metrics")
async def billing_metrics(_: AdminClaims, session: Session, now: Now) -> BillingMetrics:
    return await metrics.billing_metrics(session=session, now=now)
