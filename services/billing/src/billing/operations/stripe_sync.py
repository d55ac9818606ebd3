"""`sync-stripe-plans`: fill `plan_billing` from the Stripe products named `<prefix> Starter|Pro|Enterprise`."""

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from stripe import Price, Product, StripeClient

from billing.catalog.models import PlanBilling
from shared.bus.outbox import Outbox
from shared.events import PlanCatalogChanged

log = logging.getLogger(__name__)

# plan → (product name suffix, sort order, needs a monthly price)
PLANS: dict[str, tuple[str, int, bool]] = {
    "starter": ("Starter", 10, True),
    "pro": ("Pro", 20, True),
    "enterprise": ("Enterprise", 30, False),
}
PAGE_SIZE = 100


@dataclass(frozen=True)
class StripePlan:
    """What Stripe says of one plan: the `plan_billing` fields the sync owns."""

    plan: str
    display_name: str
    description: str | None
    monthly_price_cents: int | None
    stripe_product_id: str
    stripe_monthly_price_id: str | None
    sort_order: int

    def fields(self) -> dict[str, Any]:
        return {
            "display_name": self.display_name,
            "description": self.description,
            "monthly_price_cents": self.monthly_price_cents,
            "stripe_product_id": self.stripe_product_id,
            "stripe_monthly_price_id": self.stripe_monthly_price_id,
            "is_public": True,
            "sort_order": self.sort_order,
        }


@dataclass
class SyncReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.missing else 0


def _is_monthly(price: Price) -> bool:
    recurring = price.recurring
    return bool(
        price.active and recurring is not None and recurring.interval == "month" and recurring.interval_count == 1
    )


async def _active_products(stripe: StripeClient, page_size: int) -> list[Product]:
    page = await stripe.v1.products.list_async({"active": True, "limit": page_size})
    return [product async for product in page.auto_paging_iter()]


async def _monthly_prices(stripe: StripeClient, product_id: str, page_size: int) -> list[Price]:
    page = await stripe.v1.prices.list_async(
        {"product": product_id, "active": True, "type": "recurring", "limit": page_size}
    )
    return [price async for price in page.auto_paging_iter() if _is_monthly(price)]


async def plans_from_stripe(
    *, stripe: StripeClient, prefix: str, report: SyncReport, page_size: int = PAGE_SIZE
) -> list[StripePlan]:
    """The plans found among the active products (all pages); what is missing or ambiguous goes to
    `report`. Starter and Pro take the first active monthly price Stripe lists; Enterprise none."""
    by_name: dict[str, list[Product]] = {}
    for product in await _active_products(stripe, page_size):
        by_name.setdefault(product.name, []).append(product)
    found: list[StripePlan] = []
    for plan, (suffix, sort_order, needs_price) in PLANS.items():
        name = f"{prefix} {suffix}"
        products = by_name.get(name, [])
        if not products:
            report.missing.append(f"product {name!r}")
            continue
        product = products[0]
        if len(products) > 1:
            others = ", ".join(p.id for p in products[1:])
            report.warnings.append(f"several active products named {name!r}: using {product.id}, ignoring {others}")
        price: Price | None = None
        if needs_price:
            prices = await _monthly_prices(stripe, product.id, page_size)
            if not prices:
                report.missing.append(
                    f"price of {name!r} ({product.id}): no active recurring monthly price with interval_count 1"
                )
                continue
            price = prices[0]
            if len(prices) > 1:
                others = ", ".join(p.id for p in prices[1:])
                report.warnings.append(f"several monthly prices for {name!r}: using {price.id}, ignoring {others}")
        found.append(
            StripePlan(
                plan=plan,
                display_name=suffix,
                description=product.description,
                monthly_price_cents=price.unit_amount if price is not None else None,
                stripe_product_id=product.id,
                stripe_monthly_price_id=price.id if price is not None else None,
                sort_order=sort_order,
            )
        )
    return found


async def sync_stripe_plans(
    *,
    session: AsyncSession,
    outbox: Outbox,
    stripe: StripeClient,
    prefix: str,
    dry_run: bool,
    page_size: int = PAGE_SIZE,
) -> SyncReport:
    """Upsert `plan_billing` for each plan found in Stripe (annual fields and `is_archived` untouched);
    publish `billing.plan_catalog.changed` when a row was written. A run with nothing new writes and
    publishes nothing; `dry_run` logs the intended upserts only."""
    report = SyncReport()
    found = await plans_from_stripe(stripe=stripe, prefix=prefix, report=report, page_size=page_size)
    for warning in report.warnings:
        log.warning(warning)
    for missing in report.missing:
        log.error("missing in Stripe: %s", missing)
    for stripe_plan in found:
        wanted = stripe_plan.fields()
        row = await session.get(PlanBilling, stripe_plan.plan, with_for_update=True)
        changes = wanted if row is None else {k: v for k, v in wanted.items() if getattr(row, k) != v}
        if not changes:
            report.unchanged.append(stripe_plan.plan)
            continue
        report.written.append(stripe_plan.plan)
        log.info(
            "%s plan_billing %s",
            "would upsert" if dry_run else "upserting",
            stripe_plan.plan,
            extra={"changes": changes},
        )
        if dry_run:
            continue
        if row is None:
            session.add(PlanBilling(plan=stripe_plan.plan, **wanted))
        else:
            for name, value in changes.items():
                setattr(row, name, value)
        await session.flush()
    if report.written and not dry_run:
        await outbox.add(session, PlanCatalogChanged(plans=report.written, change="stripe_sync", changed_by=None))
    return report
