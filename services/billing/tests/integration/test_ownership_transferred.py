import logging
import uuid
from typing import Any

import pytest
import stripe
from identity_events import account_created, envelope, processed, publish
from sqlalchemy import select

from billing.subscriptions.events import ownership_handlers
from billing.subscriptions.models import BillingAccount
from shared.clock import ManualClock
from shared.events import OwnershipTransferred
from shared.testing import poll

pytest_plugins = ["stripe_support"]


def transferred(account_id: uuid.UUID, new_owner_email: str, clock: ManualClock) -> Any:
    data = OwnershipTransferred(
        account_id=account_id,
        previous_owner_id=uuid.uuid4(),
        new_owner_id=uuid.uuid4(),
        new_owner_email=new_owner_email,
    )
    return envelope("identity.account.ownership_transferred", data.model_dump(mode="json"), occurred_at=clock.now())


async def billing_email(app: Any, account_id: uuid.UUID) -> str | None:
    async with app.state.runtime.factory() as session:
        email: str | None = await session.scalar(
            select(BillingAccount.email).where(BillingAccount.account_id == account_id)
        )
        return email


async def deliver(app: Any, event: Any) -> None:
    await publish(app, event)
    await poll(lambda: processed(app, event), message=f"billing processed {event.type}")


async def test_ownership_transfer_makes_the_new_owner_the_billing_contact(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()
    await deliver(app, account_created(account_id, created_at=clock.now(), owner_email="first@example.com"))

    await deliver(app, transferred(account_id, "  New.Owner@Example.com ", clock))

    assert await billing_email(app, account_id) == "new.owner@example.com"


async def test_transfer_applied_before_account_created_keeps_the_new_owner(app: Any, clock: ManualClock) -> None:
    account_id = uuid.uuid4()

    await deliver(app, transferred(account_id, "second@example.com", clock))
    await deliver(app, account_created(account_id, created_at=clock.now(), owner_email="first@example.com"))

    assert await billing_email(app, account_id) == "second@example.com"


async def test_unreachable_stripe_is_logged_and_the_contact_still_changes(
    app: Any, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    async with factory() as session, session.begin():
        session.add(
            BillingAccount(account_id=account_id, email="old@example.com", stripe_customer_id=f"cus_{account_id.hex}")
        )
    unreachable = stripe.StripeClient(
        "sk_test_unreachable",
        base_addresses={"api": "http://127.0.0.1:9"},
        http_client=stripe.HTTPXClient(timeout=2),
        max_network_retries=0,
    )
    handler = ownership_handlers(stripe_client=unreachable)["identity.account.ownership_transferred"]
    event = transferred(account_id, "new@example.com", clock)

    with caplog.at_level(logging.WARNING):
        async with factory() as session, session.begin():
            await handler.apply(session, event, handler.model.model_validate(event.data))

    assert await billing_email(app, account_id) == "new@example.com"
    assert any(record.getMessage() == "stripe customer email not updated" for record in caplog.records)
    assert "sk_test_unreachable" not in caplog.text


async def test_transfer_updates_the_stripe_customer_email_when_stripe_is_configured(
    app: Any, clock: ManualClock, sdk: stripe.StripeClient
) -> None:
    account_id = uuid.uuid4()
    factory = app.state.runtime.factory
    customer = await sdk.v1.customers.create_async({"email": "old@example.com"})
    async with factory() as session, session.begin():
        session.add(BillingAccount(account_id=account_id, email="old@example.com", stripe_customer_id=customer.id))
    handler = ownership_handlers(stripe_client=sdk)["identity.account.ownership_transferred"]
    event = transferred(account_id, "New@Example.com", clock)

    async with factory() as session, session.begin():
        await handler.apply(session, event, handler.model.model_validate(event.data))

    assert (await sdk.v1.customers.retrieve_async(customer.id)).email == "new@example.com"
    assert await billing_email(app, account_id) == "new@example.com"
