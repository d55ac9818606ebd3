"""Billing with Stripe configured against the local fake Stripe (`stripefake`), for the checkout, portal and
webhook suites. The session's `app` runs with Stripe off; `stripe_app` is a second instance of billing on
the same database, clock and broker namespace with STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET /
STRIPE_API_BASE set. Test modules load these fixtures with `pytest_plugins = ["stripe_support"]`."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
import stripe
from identity_events import account_created, processed, publish
from sqlalchemy import select, update
from stripefake import FakeStripe
from stripefake.events import event as stripe_event
from stripefake.events import signed_event

from billing.catalog.models import PlanBilling
from billing.subscriptions.models import BillingAccount, Subscription
from billing.webhooks.models import StripeEvent
from shared.bus.tables import outbox
from shared.clock import ManualClock
from shared.testing import TestSigner, applied_environment, asgi_client, poll

WEBHOOK_SECRET = "whsec_billing_integration"
FRONTEND_URL = "http://spa.test"
WEBHOOK_PATH = "/api/v1/webhooks/stripe"


@pytest.fixture(scope="session")
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    async with FakeStripe() as fake:
        yield fake


@pytest.fixture(scope="session")
async def stripe_app(app: Any, fake_stripe: FakeStripe, clock: ManualClock, signer: TestSigner) -> AsyncIterator[Any]:
    """Billing with Stripe on; `app` first, so the database is migrated and the session's environment set."""
    from billing.app import create_app

    stripe_env = {
        "STRIPE_SECRET_KEY": fake_stripe.api_key,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": fake_stripe.url,
        "FRONTEND_URL": FRONTEND_URL,
    }
    with applied_environment(stripe_env):
        application = create_app(clock=clock)
    application.state.token_verifier.keys = signer
    # the lifespan only: the queues are the session app's to delete
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def stripe_client(stripe_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(stripe_app, "billing") as c:
        yield c


@pytest.fixture(scope="session")
def sdk(fake_stripe: FakeStripe) -> stripe.StripeClient:
    """The tests' own Stripe client, to arrange objects in the fake."""
    return stripe.StripeClient(
        fake_stripe.api_key,
        base_addresses={"api": fake_stripe.url},  # type: ignore[typeddict-item]
        http_client=stripe.HTTPXClient(timeout=15),
    )


@dataclass(frozen=True)
class Prices:
    starter_monthly: str
    pro_monthly: str
    pro_annual: str
    unmapped: str


async def recurring_price(sdk: stripe.StripeClient, name: str, cents: int, interval: str = "month") -> str:
    price = await sdk.v1.prices.create_async(
        {
            "unit_amount": cents,
            "currency": "usd",
            "recurring": {"interval": interval},  # type: ignore[typeddict-item]
            "product_data": {"name": name},
        }
    )
    return price.id


@pytest.fixture
async def catalog_prices(stripe_app: Any, sdk: stripe.StripeClient) -> AsyncIterator[Prices]:
    """Stripe prices for starter (monthly) and pro (monthly, annual) in the fake and in `plan_billing`;
    the catalog's Stripe ids are put back afterwards."""
    prices = Prices(
        starter_monthly=await recurring_price(sdk, "Platform Starter", 1999),
        pro_monthly=await recurring_price(sdk, "Platform Pro", 2999),
        pro_annual=await recurring_price(sdk, "Platform Pro", 29990, "year"),
        unmapped=await recurring_price(sdk, "Legacy Plan", 999),
    )
    ids = {
        "starter": (prices.starter_monthly, None),
        "pro": (prices.pro_monthly, prices.pro_annual),
    }
    async with stripe_app.state.runtime.factory() as session, session.begin():
        saved = {
            row.plan: (row.stripe_monthly_price_id, row.stripe_annual_price_id)
            for row in await session.scalars(select(PlanBilling))
        }
        for plan, (monthly, annual) in ids.items():
            await session.execute(
                update(PlanBilling)
                .where(PlanBilling.plan == plan)
                .values(stripe_monthly_price_id=monthly, stripe_annual_price_id=annual)
            )
    yield prices
    async with stripe_app.state.runtime.factory() as session, session.begin():
        for plan, (monthly, annual) in saved.items():
            await session.execute(
                update(PlanBilling)
                .where(PlanBilling.plan == plan)
                .values(stripe_monthly_price_id=monthly, stripe_annual_price_id=annual)
            )


def bearer(signer: TestSigner, account_id: uuid.UUID, role: str = "owner") -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.access_token(account_id=account_id, account_role=role)}"}


async def start_trial(app: Any, account_id: uuid.UUID, created_at: datetime, email: str | None = None) -> None:
    """The account as signup leaves it: a billing account (owner's email) and a 14-day Pro trial."""
    event = account_created(
        account_id, created_at=created_at, owner_email=email or f"{account_id.hex[:10]}@example.com"
    )
    await publish(app, event)
    await poll(lambda: processed(app, event), message="trial started")


async def set_subscription(app: Any, account_id: uuid.UUID, **values: Any) -> None:
    """Arrange a subscription row directly (e.g. as an earlier checkout would have left it)."""
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(update(Subscription).where(Subscription.account_id == account_id).values(**values))


async def subscription_of(app: Any, account_id: uuid.UUID) -> Subscription | None:
    async with app.state.runtime.factory() as session:
        row: Subscription | None = await session.scalar(
            select(Subscription).where(Subscription.account_id == account_id)
        )
        return row


async def billing_account_of(app: Any, account_id: uuid.UUID) -> BillingAccount | None:
    async with app.state.runtime.factory() as session:
        return await session.get(BillingAccount, account_id)


async def stripe_event_row(app: Any, event_id: str) -> StripeEvent | None:
    async with app.state.runtime.factory() as session:
        return await session.get(StripeEvent, event_id)


async def outbox_events(app: Any, event_type: str, account_id: uuid.UUID) -> list[dict[str, Any]]:
    """The envelopes of `event_type` billing wrote to its outbox for the account, oldest first."""
    async with app.state.runtime.factory() as session:
        rows = await session.scalars(
            select(outbox.c.envelope)
            .where(outbox.c.type == event_type, outbox.c.envelope["data"]["account_id"].astext == str(account_id))
            .order_by(outbox.c.created_at)
        )
        return list(rows)


async def changed_events(app: Any, account_id: uuid.UUID) -> list[dict[str, Any]]:
    return await outbox_events(app, "billing.subscription.changed", account_id)


async def deliver(
    client: httpx.AsyncClient, event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> httpx.Response:
    """POST the event to the webhook as Stripe does: raw JSON body and its Stripe-Signature."""
    body, signature = signed_event(event, secret, timestamp)
    return await client.post(
        WEBHOOK_PATH, content=body, headers={"Stripe-Signature": signature, "Content-Type": "application/json"}
    )


def subscription_object(
    stripe_subscription_id: str,
    *,
    status: str = "active",
    quantity: int = 1,
    price: str = "price_unknown",
    period_start: int = 1_790_000_000,
    period_end: int = 1_792_592_000,
    cancel_at_period_end: bool = False,
    customer: str = "cus_test",
) -> dict[str, Any]:
    """A Stripe subscription as a current API version sends it (periods on the item)."""
    return {
        "id": stripe_subscription_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{uuid.uuid4().hex[:14]}",
                    "object": "subscription_item",
                    "quantity": quantity,
                    "price": {"id": price, "object": "price"},
                    "current_period_start": period_start,
                    "current_period_end": period_end,
                }
            ],
        },
    }


def invoice_object(stripe_subscription_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": f"in_{uuid.uuid4().hex[:14]}",
        "object": "invoice",
        "customer": "cus_test",
        "subscription": stripe_subscription_id,
        "status": "open",
        "amount_due": 2999,
        "currency": "usd",
        "attempt_count": 1,
        "next_payment_attempt": 1_790_100_000,
        "hosted_invoice_url": "https://invoice.stripe.test/in_1",
    }
    return base | fields


def at(moment: datetime) -> int:
    return int(moment.timestamp())


__all__ = [
    "FRONTEND_URL",
    "WEBHOOK_SECRET",
    "Prices",
    "at",
    "bearer",
    "billing_account_of",
    "changed_events",
    "deliver",
    "invoice_object",
    "outbox_events",
    "set_subscription",
    "start_trial",
    "stripe_event",
    "stripe_event_row",
    "subscription_object",
    "subscription_of",
]
