"""Support work on subscriptions: set an account's plan, or fix its status and periods by hand.
Local only: Stripe is not called."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.admin.errors import (
    AccountNotFound,
    InvalidPlan,
    PlanAndStatusRequired,
    SubscriptionNotFound,
    TrialRequiresPeriodEnd,
)
from billing.admin.subscription_schemas import AdminSubscriptionState, PlanChanged, SubscriptionPatch
from billing.audit import service as audit
from billing.catalog import service as catalog
from billing.subscriptions import changes
from billing.subscriptions import service as subscriptions
from billing.subscriptions.events import subscription_changed
from billing.subscriptions.models import BillingAccount, Subscription
from shared.bus.outbox import Outbox

ASSIGNABLE_PLANS = frozenset({"free", "pro", "starter", "enterprise"})


async def _locked(session: AsyncSession, account_id: UUID) -> Subscription | None:
    found: Subscription | None = await session.scalar(
        select(Subscription).where(Subscription.account_id == account_id).with_for_update()
    )
    return found


def _state(sub: Subscription, now: datetime) -> dict[str, Any]:
    return subscriptions.state_of(sub, now).model_dump(mode="json")


async def change_plan(
    *, session: AsyncSession, outbox: Outbox, actor_id: UUID, account_id: UUID, plan: str, now: datetime
) -> PlanChanged:
    """The plan only; status, periods and Stripe ids stay as they are."""
    if plan not in ASSIGNABLE_PLANS:
        raise InvalidPlan()
    sub = await _locked(session, account_id)
    if sub is None:
        raise SubscriptionNotFound()
    old_plan = sub.plan
    await changes.apply_change(session=session, outbox=outbox, subscription=sub, now=now, reason="admin", plan=plan)
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="subscription.plan_change",
        entity_type="subscription",
        entity_id=sub.id,
        details={"account_id": str(account_id), "old_plan": old_plan, "new_plan": plan},
    )
    return PlanChanged(account_id=account_id, old_plan=old_plan, new_plan=plan)


def _requested_fields(patch: SubscriptionPatch) -> dict[str, Any]:
    sent = patch.model_fields_set
    fields: dict[str, Any] = {}
    if patch.plan is not None:
        fields["plan"] = patch.plan
    if patch.status is not None:
        fields["status"] = patch.status
    if "current_period_end" in sent:
        fields["current_period_end"] = patch.current_period_end
    if "seat_limit" in sent:
        fields["seat_limit"] = patch.seat_limit
    if patch.status == "complimentary" and "current_period_end" not in sent:
        # a complimentary plan has no period, unless the admin gives it an end
        fields["current_period_start"] = None
        fields["current_period_end"] = None
    return fields


async def _create(
    *, session: AsyncSession, account_id: UUID, fields: dict[str, Any], now: datetime
) -> Subscription | None:
    """The account's first subscription, from the admin's fields; None when one appeared meanwhile."""
    end = fields.get("current_period_end")
    created: Subscription | None = await session.scalar(
        insert(Subscription)
        .values(
            account_id=account_id,
            plan=fields["plan"],
            status=fields["status"],
            current_period_start=now if end is not None else None,
            current_period_end=end,
            seat_limit=fields.get("seat_limit"),
        )
        .on_conflict_do_nothing(index_elements=[Subscription.account_id])
        .returning(Subscription)
    )
    return created


async def patch_subscription(
    *,
    session: AsyncSession,
    outbox: Outbox,
    actor_id: UUID,
    account_id: UUID,
    patch: SubscriptionPatch,
    now: datetime,
) -> AdminSubscriptionState:
    """Set what was sent (creating the row when the account has none); audited with before and after,
    announced with reason `admin`."""
    if patch.plan is not None and not await catalog.plan_exists(session=session, plan=patch.plan):
        raise InvalidPlan()
    if await session.get(BillingAccount, account_id) is None:
        raise AccountNotFound()
    fields = _requested_fields(patch)
    sub = await _locked(session, account_id)
    before: dict[str, Any] | None = None
    if sub is None:
        if patch.plan is None or patch.status is None:
            raise PlanAndStatusRequired()
        if patch.status == "trialing" and fields.get("current_period_end") is None:
            raise TrialRequiresPeriodEnd()
        sub = await _create(session=session, account_id=account_id, fields=fields, now=now)
        if sub is not None:
            await outbox.add(
                session,
                subscription_changed(
                    sub,
                    previous_plan=None,
                    previous_status=None,
                    billing_email=await changes.billing_email(session=session, account_id=account_id),
                    reason="admin",
                    changed_at=now,
                ),
            )
        else:  # created concurrently: change that row instead
            sub = await _locked(session, account_id)
            assert sub is not None
            before = _state(sub, now)
    else:
        before = _state(sub, now)

    if before is not None:
        status = fields.get("status", sub.status)
        period_end = fields.get("current_period_end", sub.current_period_end)
        if status == "trialing" and period_end is None:
            raise TrialRequiresPeriodEnd()
        await changes.apply_change(session=session, outbox=outbox, subscription=sub, now=now, reason="admin", **fields)

    after = _state(sub, now)
    await audit.record(
        session=session,
        actor_id=actor_id,
        action="subscription.admin_update",
        entity_type="subscription",
        entity_id=sub.id,
        details={"account_id": str(account_id), "before": before, "after": after, "reason": patch.reason},
    )
    return AdminSubscriptionState(account_id=account_id, **subscriptions.state_of(sub, now).model_dump())
