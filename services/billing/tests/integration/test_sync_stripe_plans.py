import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import stripe
from billing_rows import outbox_events, private_database
from sqlalchemy import delete, select, update
from stripefake import FakeStripe

from billing.catalog.models import PlanBilling
from billing.operations.stripe_sync import SyncReport, sync_stripe_plans
from shared.bus.outbox import Outbox
from shared.clock import SystemClock
from shared.db import SessionFactory

pytest_plugins = ["stripe_support"]


@pytest.fixture
def fake(fake_stripe: FakeStripe) -> FakeStripe:
    """The session's fake Stripe; each test names its products with its own prefix."""
    return fake_stripe


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return stripe.StripeClient(
        fake.api_key, base_addresses={"api": fake.url}, http_client=stripe.HTTPXClient(), max_network_retries=0
    )


@pytest.fixture
async def database() -> AsyncIterator[tuple[str, SessionFactory]]:
    async with private_database() as db:
        yield db


@pytest.fixture
def prefix() -> str:
    """Product names of one test only (the fake is shared by the module)."""
    return f"T{uuid.uuid4().hex[:8]}"


async def product(client: stripe.StripeClient, name: str, **params: Any) -> stripe.Product:
    return await client.v1.products.create_async({"name": name, **params})


async def price(
    client: stripe.StripeClient, product_id: str, cents: int, interval: str = "month", interval_count: int = 1
) -> stripe.Price:
    return await client.v1.prices.create_async(
        {
            "product": product_id,
            "unit_amount": cents,
            "currency": "usd",
            "recurring": {"interval": interval, "interval_count": interval_count},
        }
    )


async def full_catalog(client: stripe.StripeClient, prefix: str) -> dict[str, Any]:
    starter = await product(client, f"{prefix} Starter", description="For one technician")
    pro = await product(client, f"{prefix} Pro", description="For a team")
    enterprise = await product(client, f"{prefix} Enterprise")
    return {
        "starter": starter,
        "pro": pro,
        "enterprise": enterprise,
        "starter_price": await price(client, starter.id, 1500),
        "pro_price": await price(client, pro.id, 3500),
    }


async def sync(
    factory: SessionFactory, client: stripe.StripeClient, prefix: str, *, dry_run: bool = False, page_size: int = 100
) -> SyncReport:
    async with factory() as session, session.begin():
        return await sync_stripe_plans(
            session=session,
            outbox=Outbox("billing", SystemClock()),
            stripe=client,
            prefix=prefix,
            dry_run=dry_run,
            page_size=page_size,
        )


async def plan_rows(factory: SessionFactory) -> dict[str, PlanBilling]:
    async with factory() as session:
        return {row.plan: row for row in await session.scalars(select(PlanBilling))}


async def catalog_events(factory: SessionFactory) -> list[dict[str, Any]]:
    return await outbox_events(factory, "billing.plan_catalog.changed")


async def test_sync_fills_plan_billing_from_the_three_products_and_announces_it(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    stripe_objects = await full_catalog(client, prefix)
    await price(client, stripe_objects["pro"].id, 30000, interval="year")
    await price(client, stripe_objects["pro"].id, 9000, interval="month", interval_count=3)
    async with factory() as session, session.begin():
        await session.execute(
            update(PlanBilling).where(PlanBilling.plan == "pro").values(annual_price_cents=29900, is_archived=True)
        )

    report = await sync(factory, client, prefix)

    assert (report.exit_code, report.missing, report.warnings) == (0, [], [])
    assert sorted(report.written) == ["enterprise", "pro", "starter"]
    rows = await plan_rows(factory)
    starter, pro, enterprise = rows["starter"], rows["pro"], rows["enterprise"]
    assert (starter.display_name, starter.description, starter.monthly_price_cents, starter.sort_order) == (
        "Starter",
        "For one technician",
        1500,
        10,
    )
    assert (starter.stripe_product_id, starter.stripe_monthly_price_id) == (
        stripe_objects["starter"].id,
        stripe_objects["starter_price"].id,
    )
    assert (pro.monthly_price_cents, pro.stripe_monthly_price_id, pro.sort_order) == (
        3500,
        stripe_objects["pro_price"].id,
        20,
    )
    assert (pro.annual_price_cents, pro.stripe_annual_price_id, pro.is_archived) == (29900, None, True)
    assert (enterprise.stripe_product_id, enterprise.stripe_monthly_price_id, enterprise.monthly_price_cents) == (
        stripe_objects["enterprise"].id,
        None,
        None,
    )
    assert all(row.is_public for row in rows.values())
    [event] = await catalog_events(factory)
    assert event["data"]["change"] == "stripe_sync"
    assert sorted(event["data"]["plans"]) == ["enterprise", "pro", "starter"]
    assert event["data"]["changed_by"] is None


async def test_second_sync_writes_and_publishes_nothing(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    await full_catalog(client, prefix)
    await sync(factory, client, prefix)
    before = {plan: row.updated_at for plan, row in (await plan_rows(factory)).items()}

    report = await sync(factory, client, prefix)

    assert (report.written, sorted(report.unchanged), report.exit_code) == ([], ["enterprise", "pro", "starter"], 0)
    assert {plan: row.updated_at for plan, row in (await plan_rows(factory)).items()} == before
    assert len(await catalog_events(factory)) == 1


async def test_missing_product_or_price_exits_1_and_still_writes_the_plans_found(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    starter = await product(client, f"{prefix} Starter")
    starter_price = await price(client, starter.id, 1500)
    pro = await product(client, f"{prefix} Pro")
    await price(client, pro.id, 30000, interval="year")
    await product(client, f"{prefix} Enterprise", active=False)

    report = await sync(factory, client, prefix)

    assert report.exit_code == 1
    assert report.written == ["starter"]
    assert len(report.missing) == 2
    assert f"{prefix} Pro" in report.missing[0]
    assert "price" in report.missing[0]
    assert report.missing[1] == f"product '{prefix} Enterprise'"
    rows = await plan_rows(factory)
    assert rows["starter"].stripe_monthly_price_id == starter_price.id
    assert (rows["pro"].stripe_product_id, rows["pro"].monthly_price_cents) == (None, 2999)
    assert rows["enterprise"].stripe_product_id is None
    [event] = await catalog_events(factory)
    assert event["data"]["plans"] == ["starter"]


async def test_first_listed_monthly_price_wins_and_the_others_are_named(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    stripe_objects = await full_catalog(client, prefix)
    await price(client, stripe_objects["pro"].id, 4500)
    listed = await client.v1.prices.list_async({"product": stripe_objects["pro"].id, "active": True})
    first, other = listed.data[0], listed.data[1]

    report = await sync(factory, client, prefix)

    assert (await plan_rows(factory))["pro"].stripe_monthly_price_id == first.id
    [warning] = report.warnings
    assert first.id in warning
    assert other.id in warning


async def test_sync_reads_every_page_of_products(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    for n in range(5):
        await product(client, f"{prefix} filler {n}")
    await full_catalog(client, prefix)
    for n in range(5, 10):
        await product(client, f"{prefix} filler {n}")

    report = await sync(factory, client, prefix, page_size=2)

    assert (report.exit_code, sorted(report.written)) == (0, ["enterprise", "pro", "starter"])


async def test_sync_creates_a_missing_plan_billing_row_with_defaults_for_what_it_does_not_own(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    await full_catalog(client, prefix)
    async with factory() as session, session.begin():
        await session.execute(delete(PlanBilling).where(PlanBilling.plan == "starter"))

    await sync(factory, client, prefix)

    starter = (await plan_rows(factory))["starter"]
    assert (starter.display_name, starter.monthly_price_cents, starter.sort_order, starter.is_public) == (
        "Starter",
        1500,
        10,
        True,
    )
    assert (starter.annual_price_cents, starter.stripe_annual_price_id, starter.is_archived) == (None, None, False)


async def test_dry_run_reports_the_upserts_and_writes_nothing(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, prefix: str
) -> None:
    _, factory = database
    await full_catalog(client, prefix)

    report = await sync(factory, client, prefix, dry_run=True)

    assert sorted(report.written) == ["enterprise", "pro", "starter"]
    assert all(row.stripe_product_id is None for row in (await plan_rows(factory)).values())
    assert await catalog_events(factory) == []


async def command(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "billing",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def command_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    return env | {"BILLING_DATABASE_URL": database_url, "INTERNAL_API_TOKEN": "test-internal-token"} | extra


async def test_command_syncs_through_the_stripe_api_and_exits_by_outcome(
    database: tuple[str, SessionFactory], client: stripe.StripeClient, fake: FakeStripe, prefix: str
) -> None:
    url, factory = database
    env = command_env(url, STRIPE_SECRET_KEY=fake.api_key, STRIPE_API_BASE=fake.url)
    starter = await product(client, f"{prefix} Starter")
    await price(client, starter.id, 1500)

    partial = await command(env, "sync-stripe-plans", "--product-prefix", prefix)
    await full_catalog(client, f"{prefix}X")
    dry = await command(env | {"STRIPE_PRODUCT_NAME_PREFIX": f"{prefix}X"}, "sync-stripe-plans", "--dry-run")
    full = await command(env | {"STRIPE_PRODUCT_NAME_PREFIX": f"{prefix}X"}, "sync-stripe-plans")

    assert partial[0] == 1, partial[2]
    assert json.loads(partial[1])["missing"] == [f"product '{prefix} Pro'", f"product '{prefix} Enterprise'"]
    assert '"stripe_mode": "test"' in partial[2]
    assert fake.api_key not in partial[2]
    assert dry[0] == 0
    assert json.loads(dry[1])["dry_run"] is True
    assert full[0] == 0, full[2]
    assert sorted(json.loads(full[1])["written"]) == ["enterprise", "pro", "starter"]
    assert (await plan_rows(factory))["pro"].display_name == "Pro"
    assert len(await catalog_events(factory)) == 2


async def test_command_without_a_stripe_key_exits_2_and_does_nothing(database: tuple[str, SessionFactory]) -> None:
    url, factory = database

    code, stdout, stderr = await command(command_env(url), "sync-stripe-plans")

    assert (code, stdout) == (2, "")
    assert "STRIPE_SECRET_KEY" in stderr
    assert await catalog_events(factory) == []
