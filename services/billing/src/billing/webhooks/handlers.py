"""What each Stripe event type changes (api.md §4.3), inside the transaction that records the event.

Every change to an existing subscription goes through `apply_change` (reason `stripe_webhook`) on the
row locked FOR UPDATE, after the ordering watermark is checked under that lock: an event whose `created`
is earlier than `last_stripe_event_at` is stale and changes nothing; every applied event moves the
watermark to its `created`."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.catalog.models import PlanBilling
from billing.subscriptions.changes import apply_change, billing_email
from billing.subscriptions.events import subscription_changed
from billing.subscriptions.models import BillingAccount, Subscription
from billing.subscriptions.service import TRIAL_PLAN
from billing.webhooks.stripe_objects import StripeEventIn, id_of, subscription_id_of, terms_of, timestamp
from shared.bus.outbox import Outbox
from shared.events import PaymentFailed

log = logging.getLogger(__name__)

Outcome = Literal["applied", "stale", "no_match", "ignored"]


@dataclass(frozen=True)
class EventContext:
    session: AsyncSession
    outbox: Outbox
    now: datetime
    frontend_url: str
    event: StripeEventIn
    # the subscription of a completed checkout, retrieved from Stripe before the transaction began
    stripe_subscription: dict[str, Any] | None = None


async def plan_for_price(session: AsyncSession, price_id: str | None) -> str | None:
    """The plan whose monthly or annual Stripe price is `price_id`."""
    if price_id is None:
        return None
    plan: str | None = await session.scalar(
        select(PlanBilling.plan)
        .where(or_(PlanBilling.stripe_monthly_price_id == price_id, PlanBilling.stripe_annual_price_id == price_id))
        .order_by(PlanBilling.plan)
        .limit(1)
    )
    return plan


async def locked_by_stripe_id(session: AsyncSession, stripe_subscription_id: str | None) -> Subscription | None:
    if stripe_subscription_id is None:
        return None
    row: Subscription | None = await session.scalar(
        select(Subscription).where(Subscription.stripe_subscription_id == stripe_subscription_id).with_for_update()
    )
    return row


async def locked_by_account(session: AsyncSession, account_id: UUID) -> Subscription | None:
    row: Subscription | None = await session.scalar(
        select(Subscription).where(Subscription.account_id == account_id).with_for_update()
    )
    return row


def is_stale(sub: Subscription, created: datetime) -> bool:
    return sub.last_stripe_event_at is not None and created < sub.last_stripe_event_at


async def apply_if_current(ctx: EventContext, sub: Subscription | None, **fields: Any) -> Outcome:
    """Apply `fields` and the watermark to the locked `sub`, unless there is none or the event is stale."""
    if sub is None:
        return "no_match"
    if is_stale(sub, ctx.event.created):
        return "stale"
    await apply_change(
        session=ctx.session,
        outbox=ctx.outbox,
        subscription=sub,
        now=ctx.now,
        reason="stripe_webhook",
        last_stripe_event_at=ctx.event.created,
        **fields,
    )
    return "applied"


async def subscription_fields(session: AsyncSession, stripe_sub: dict[str, Any]) -> dict[str, Any]:
    """Our fields from a Stripe subscription: what it states; price and plan only when the price maps."""
    terms = terms_of(stripe_sub)
    fields: dict[str, Any] = {
        "status": terms.status,
        "current_period_start": terms.current_period_start,
        "current_period_end": terms.current_period_end,
        "cancel_at_period_end": terms.cancel_at_period_end,
        "seat_limit": terms.seat_limit,
    }
    plan = await plan_for_price(session, terms.price_id)
    if plan is not None:
        fields.update(plan=plan, stripe_price_id=terms.price_id)
    return {name: value for name, value in fields.items() if value is not None}


async def account_for_checkout(session: AsyncSession, customer_id: str | None, reference: Any) -> UUID | None:
    """The account of a checkout: the one whose Stripe customer it is, else its `client_reference_id`."""
    if customer_id is not None:
        known: UUID | None = await session.scalar(
            select(BillingAccount.account_id).where(BillingAccount.stripe_customer_id == customer_id)
        )
        if known is not None:
            return known
    if not isinstance(reference, str):
        return None
    try:
        account_id = UUID(reference)
    except ValueError:
        return None
    if customer_id is not None:
        # the customer is nobody's yet: remember it as this account's, keeping one already stored
        stmt = insert(BillingAccount).values(account_id=account_id, stripe_customer_id=customer_id)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[BillingAccount.account_id],
                set_={
                    "stripe_customer_id": func.coalesce(
                        BillingAccount.stripe_customer_id, stmt.excluded.stripe_customer_id
                    )
                },
            )
        )
    return account_id


async def on_checkout_completed(ctx: EventContext) -> Outcome:
    obj = ctx.event.object
    stripe_sub = ctx.stripe_subscription
    stripe_subscription_id = id_of(obj.get("subscription"))
    if stripe_sub is None or stripe_subscription_id is None:
        return "ignored"  # not a subscription checkout
    account_id = await account_for_checkout(ctx.session, id_of(obj.get("customer")), obj.get("client_reference_id"))
    if account_id is None:
        return "no_match"
    terms = terms_of(stripe_sub)
    fields = await subscription_fields(ctx.session, stripe_sub)
    fields.update(status="active", stripe_subscription_id=stripe_subscription_id)
    if terms.price_id is not None:
        fields["stripe_price_id"] = terms.price_id
    sub = await locked_by_account(ctx.session, account_id)
    if sub is None:
        if await create_subscription(ctx, account_id, fields):
            return "applied"
        sub = await locked_by_account(ctx.session, account_id)  # created meanwhile by another transaction
    return await apply_if_current(ctx, sub, **fields)


async def create_subscription(ctx: EventContext, account_id: UUID, fields: dict[str, Any]) -> bool:
    """Insert the account's first subscription from a checkout and announce it; False when a row appeared
    meanwhile. A price that maps to no plan gets the trial's plan (Pro) and a warning for operators."""
    values = dict(fields)
    if "plan" not in values:
        log.warning(
            "checkout price %s maps to no plan; account %s gets %s",
            fields.get("stripe_price_id"),
            account_id,
            TRIAL_PLAN,
        )
        values["plan"] = TRIAL_PLAN
    created = await ctx.session.scalars(
        insert(Subscription)
        .values(account_id=account_id, last_stripe_event_at=ctx.event.created, **values)
        .on_conflict_do_nothing(index_elements=[Subscription.account_id])
        .returning(Subscription)
    )
    sub = created.first()
    if sub is None:
        return False
    await ctx.outbox.add(
        ctx.session,
        subscription_changed(
            sub,
            previous_plan=None,
            previous_status=None,
            billing_email=await billing_email(session=ctx.session, account_id=account_id),
            reason="stripe_webhook",
            changed_at=ctx.now,
        ),
    )
    return True


async def on_subscription_updated(ctx: EventContext) -> Outcome:
    sub = await locked_by_stripe_id(ctx.session, id_of(ctx.event.object.get("id")))
    if sub is None:
        return "no_match"
    return await apply_if_current(ctx, sub, **await subscription_fields(ctx.session, ctx.event.object))


async def on_subscription_deleted(ctx: EventContext) -> Outcome:
    sub = await locked_by_stripe_id(ctx.session, id_of(ctx.event.object.get("id")))
    return await apply_if_current(ctx, sub, status="canceled")


async def on_payment_failed(ctx: EventContext) -> Outcome:
    invoice = ctx.event.object
    sub = await locked_by_stripe_id(ctx.session, subscription_id_of(invoice))
    outcome = await apply_if_current(ctx, sub, status="past_due")
    if outcome != "applied" or sub is None:
        return outcome
    await ctx.outbox.add(
        ctx.session,
        PaymentFailed(
            account_id=sub.account_id,
            stripe_invoice_id=id_of(invoice.get("id")) or "",
            stripe_subscription_id=sub.stripe_subscription_id,
            amount_due_cents=_int(invoice.get("amount_due")),
            currency=str(invoice.get("currency") or ""),
            attempt_count=_int(invoice.get("attempt_count")),
            next_payment_attempt=timestamp(invoice.get("next_payment_attempt")),
            hosted_invoice_url=_str_or_none(invoice.get("hosted_invoice_url")),
            billing_email=await billing_email(session=ctx.session, account_id=sub.account_id),
            update_url=f"{ctx.frontend_url}/account/billing",
        ),
    )
    return outcome


async def on_payment_succeeded(ctx: EventContext) -> Outcome:
    sub = await locked_by_stripe_id(ctx.session, subscription_id_of(ctx.event.object))
    recovered = {"status": "active"} if sub is not None and sub.status == "past_due" else {}
    return await apply_if_current(ctx, sub, **recovered)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


HANDLERS: dict[str, Callable[[EventContext], Awaitable[Outcome]]] = {
    "checkout.session.completed": on_checkout_completed,
    "customer.subscription.updated": on_subscription_updated,
    "customer.subscription.deleted": on_subscription_deleted,
    "invoice.payment_failed": on_payment_failed,
    "invoice.payment_succeeded": on_payment_succeeded,
}


async def handle(ctx: EventContext) -> Outcome:
    """Apply the event; a type without a rule is recorded as `ignored`."""
    handler = HANDLERS.get(ctx.event.type)
    return await handler(ctx) if handler is not None else "ignored"
