"""Stripe Checkout and the Customer Portal for an account: nothing changes locally but the account's
Stripe customer id; the subscription changes only when Stripe's webhook arrives.

Transactions: Stripe calls can take seconds (timeouts and retries), so no database transaction is held
across them. The rules are read in one short read-only transaction, the Stripe customer is created
outside any transaction, and its id is stored by one upsert that keeps an id already stored. Two
concurrent checkouts of one account send the same idempotency key (`customer-<account id>`), so Stripe
answers both with the same customer; should the key ever have expired, the upsert still keeps the first
stored id and both sessions use it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import stripe
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from billing.catalog.models import PlanBilling
from billing.checkout.errors import (
    AlreadySubscribed,
    NoStripeCustomer,
    PlanNotPurchasable,
    StripeUnavailable,
)
from billing.checkout.schemas import BillingInterval, CheckoutRequest
from billing.subscriptions import service as subscriptions
from billing.subscriptions.models import BillingAccount
from shared.db import SessionFactory

log = logging.getLogger(__name__)

# Stripe refuses a trial_end less than 48 hours away; a shorter local trial is simply charged now.
MIN_TRIAL_LEFT = timedelta(hours=48)
SUBSCRIBED_STATUSES = frozenset({"active", "past_due"})


@dataclass(frozen=True)
class CheckoutTerms:
    price_id: str
    customer_id: str | None
    email: str | None
    trial_end: datetime | None


def price_for(plan_billing: PlanBilling | None, interval: BillingInterval) -> str | None:
    if plan_billing is None:
        return None
    return plan_billing.stripe_monthly_price_id if interval == "monthly" else plan_billing.stripe_annual_price_id


def carried_trial_end(*, status: str, current_period_end: datetime | None, now: datetime) -> datetime | None:
    """The local trial end Stripe should honour: only while trialing with at least 48 hours left."""
    if status != "trialing" or current_period_end is None:
        return None
    return current_period_end if current_period_end - now >= MIN_TRIAL_LEFT else None


async def checkout_terms(
    *, factory: SessionFactory, account_id: UUID, request: CheckoutRequest, now: datetime
) -> CheckoutTerms:
    """The price, the stored customer and the trial to carry; 400 when the plan cannot be bought for
    the interval, 409 when a Stripe subscription is already running."""
    async with factory() as session:
        plan_billing = await session.get(PlanBilling, request.plan)
        price_id = price_for(plan_billing, request.billing_interval)
        if price_id is None:
            raise PlanNotPurchasable(plan=request.plan, billing_interval=request.billing_interval)
        sub = await subscriptions.get(session=session, account_id=account_id)
        if sub is not None and sub.stripe_subscription_id and sub.status in SUBSCRIBED_STATUSES:
            raise AlreadySubscribed()
        account = await session.get(BillingAccount, account_id)
    trial_end = (
        carried_trial_end(status=sub.status, current_period_end=sub.current_period_end, now=now)
        if sub is not None
        else None
    )
    return CheckoutTerms(
        price_id=price_id,
        customer_id=account.stripe_customer_id if account else None,
        email=account.email if account else None,
        trial_end=trial_end,
    )


async def store_customer(*, factory: SessionFactory, account_id: UUID, customer_id: str) -> str:
    """Record the account's Stripe customer unless one is already stored; returns the stored one."""
    stmt = insert(BillingAccount).values(account_id=account_id, stripe_customer_id=customer_id)
    async with factory() as session, session.begin():
        stored: str | None = await session.scalar(
            stmt.on_conflict_do_update(
                index_elements=[BillingAccount.account_id],
                set_={
                    "stripe_customer_id": func.coalesce(
                        BillingAccount.stripe_customer_id, stmt.excluded.stripe_customer_id
                    ),
                    "updated_at": func.now(),
                },
            ).returning(BillingAccount.stripe_customer_id)
        )
    if stored is None:  # the upsert always returns the row; this only narrows the type
        raise LookupError(f"billing account {account_id} not stored")
    return stored


async def ensure_customer(
    *, factory: SessionFactory, client: stripe.StripeClient, account_id: UUID, terms: CheckoutTerms
) -> str:
    if terms.customer_id:
        return terms.customer_id
    params: dict[str, Any] = {"metadata": {"account_id": str(account_id)}}
    if terms.email:
        params["email"] = terms.email
    customer = await client.v1.customers.create_async(
        params,  # type: ignore[arg-type]
        {"idempotency_key": f"customer-{account_id}"},
    )
    return await store_customer(factory=factory, account_id=account_id, customer_id=customer.id)


async def create_checkout_session(
    *,
    factory: SessionFactory,
    client: stripe.StripeClient,
    account_id: UUID,
    request: CheckoutRequest,
    frontend_url: str,
    now: datetime,
) -> str:
    """The URL of a Stripe Checkout session for `seats` times the plan's price of the interval."""
    terms = await checkout_terms(factory=factory, account_id=account_id, request=request, now=now)
    try:
        customer_id = await ensure_customer(factory=factory, client=client, account_id=account_id, terms=terms)
        params: dict[str, Any] = {
            "mode": "subscription",
            "customer": customer_id,
            "line_items": [{"price": terms.price_id, "quantity": request.seats}],
            "client_reference_id": str(account_id),
            "allow_promotion_codes": False,
            "success_url": f"{frontend_url}/account/billing?success=1",
            "cancel_url": f"{frontend_url}/account/billing/select-plan",
        }
        if terms.trial_end is not None:
            params["subscription_data"] = {"trial_end": int(terms.trial_end.timestamp())}
        checkout = await client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        log.warning("stripe checkout failed for account %s: %s", account_id, type(exc).__name__)
        raise StripeUnavailable() from None
    if not checkout.url:
        raise StripeUnavailable()
    return checkout.url


async def create_portal_session(
    *, factory: SessionFactory, client: stripe.StripeClient, account_id: UUID, frontend_url: str
) -> str:
    """The URL of a Customer Portal session of the account's Stripe customer."""
    async with factory() as session:
        customer_id = await session.scalar(
            select(BillingAccount.stripe_customer_id).where(BillingAccount.account_id == account_id)
        )
    if not customer_id:
        raise NoStripeCustomer()
    try:
        portal = await client.v1.billing_portal.sessions.create_async(
            {"customer": customer_id, "return_url": f"{frontend_url}/account/billing"}
        )
    except stripe.StripeError as exc:
        log.warning("stripe portal failed for account %s: %s", account_id, type(exc).__name__)
        raise StripeUnavailable() from None
    return portal.url
