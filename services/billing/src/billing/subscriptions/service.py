"""The rules of subscriptions: the first one of each account, and what an account sees of its own."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.catalog import service as catalog
from billing.subscriptions import state
from billing.subscriptions.errors import NoSubscription
from billing.subscriptions.models import BillingAccount, Subscription
from billing.subscriptions.schemas import (
    AccountSubscription,
    BillingState,
    SubscriptionDetail,
    SubscriptionState,
)
from billing.usage import service as usage
from shared.events import PlatformInvite

TRIAL_PLAN = "pro"


@dataclass(frozen=True)
class InitialTerms:
    plan: str
    status: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    reason: Literal["trial_started", "invite_plan"]


def initial_terms(*, created_at: datetime, platform_invite: PlatformInvite | None, trial_days: int) -> InitialTerms:
    """A new account's first subscription: the Pro trial, or what its platform invite code grants
    (a trial of the invite's plan when it carries trial days, else that plan active with no period)."""
    if platform_invite is None:
        end = created_at + timedelta(days=trial_days)
        return InitialTerms(TRIAL_PLAN, "trialing", created_at, end, "trial_started")
    if platform_invite.trial_duration_days is not None:
        end = created_at + timedelta(days=platform_invite.trial_duration_days)
        return InitialTerms(platform_invite.assigned_plan, "trialing", created_at, end, "invite_plan")
    return InitialTerms(platform_invite.assigned_plan, "active", None, None, "invite_plan")


async def record_billing_account(*, session: AsyncSession, account_id: UUID, email: str) -> None:
    """Upsert the account's billing contact; an email already known (e.g. from a later ownership
    transfer applied first) is kept."""
    stmt = insert(BillingAccount).values(account_id=account_id, email=email.strip().lower())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[BillingAccount.account_id],
            set_={"email": func.coalesce(BillingAccount.email, stmt.excluded.email)},
        )
    )


async def create_first(*, session: AsyncSession, account_id: UUID, terms: InitialTerms) -> Subscription | None:
    """Insert the account's subscription unless it has one; None when it already had one."""
    inserted = await session.scalars(
        insert(Subscription)
        .values(
            account_id=account_id,
            plan=terms.plan,
            status=terms.status,
            current_period_start=terms.current_period_start,
            current_period_end=terms.current_period_end,
        )
        .on_conflict_do_nothing(index_elements=[Subscription.account_id])
        .returning(Subscription)
    )
    return inserted.first()


async def get(*, session: AsyncSession, account_id: UUID) -> Subscription | None:
    return await session.scalar(select(Subscription).where(Subscription.account_id == account_id))


async def get_or_raise(*, session: AsyncSession, account_id: UUID) -> Subscription:
    sub = await get(session=session, account_id=account_id)
    if sub is None:
        raise NoSubscription()
    return sub


def state_of(sub: Subscription, now: datetime) -> SubscriptionState:
    return SubscriptionState(
        status=sub.status,
        plan=sub.plan,
        current_period_start=sub.current_period_start,
        current_period_end=sub.current_period_end,
        cancel_at_period_end=sub.cancel_at_period_end,
        seat_limit=sub.seat_limit,
        has_pro_entitlement=state.has_pro_entitlement(sub, now),
        is_paid=state.is_paid(sub),
    )


async def billing_state(*, session: AsyncSession, account_id: UUID, now: datetime) -> BillingState:
    sub = await get_or_raise(session=session, account_id=account_id)
    return BillingState(
        subscription=state_of(sub, now),
        plan_billing=await catalog.plan_billing_summary(session=session, plan=sub.plan),
        plan_limits=await catalog.effective_limits(
            session=session, account_id=account_id, plan=sub.plan, seat_limit=sub.seat_limit
        ),
        enabled_features=await catalog.enabled_features(session=session, account_id=account_id, plan=sub.plan),
    )


async def account_subscription(*, session: AsyncSession, account_id: UUID, now: datetime) -> AccountSubscription:
    sub = await get_or_raise(session=session, account_id=account_id)
    return AccountSubscription(
        subscription=SubscriptionDetail(
            id=sub.id,
            account_id=sub.account_id,
            created_at=sub.created_at,
            updated_at=sub.updated_at,
            **state_of(sub, now).model_dump(),
        ),
        limits=await catalog.effective_limits(
            session=session, account_id=account_id, plan=sub.plan, seat_limit=sub.seat_limit
        ),
        usage=await usage.usage_of(session=session, account_id=account_id, now=now),
    )
