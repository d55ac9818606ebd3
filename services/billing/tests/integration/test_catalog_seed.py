from typing import Any

import httpx
from sqlalchemy import select

from billing.catalog.models import FeatureFlag, PlanBilling, PlanFeatureDefault, PlanLimits

FLAG_PLANS = {
    "psa_integration": {"starter", "pro", "enterprise"},
    "script_builder": {"starter", "pro", "enterprise"},
    "escalation_mode": {"pro", "enterprise"},
    "analytics_dashboards": {"pro", "enterprise"},
    "knowledge_flywheel": {"pro", "enterprise"},
    "team_admin_full": {"pro", "enterprise"},
    "sso": {"enterprise"},
    "audit_log": {"enterprise"},
}


async def test_seed_holds_the_four_plans_with_their_limits(app: Any) -> None:
    async with app.state.runtime.factory() as session:
        plans = {row.plan: row for row in await session.scalars(select(PlanLimits))}

    assert set(plans) == {"free", "starter", "pro", "enterprise"}
    assert (plans["free"].max_trees, plans["free"].max_sessions_per_month, plans["free"].max_users) == (3, 20, 1)
    assert (plans["starter"].max_trees, plans["starter"].max_ai_builds_per_24h) == (10, 5)
    assert (plans["pro"].max_users, plans["pro"].kb_batch_max_size, plans["pro"].custom_branding) == (5, 10, True)
    assert plans["pro"].kb_allowed_formats == ["txt", "paste", "md", "docx", "pdf", "html"]
    assert plans["free"].export_formats == ["markdown", "text"]
    assert plans["free"].kb_max_lifetime_conversions == 3
    assert plans["starter"].kb_accelerator_enabled is False
    enterprise = plans["enterprise"]
    assert (enterprise.max_trees, enterprise.max_users, enterprise.max_ai_builds_per_month) == (None, None, None)
    assert enterprise.priority_support is True


async def test_seed_prices_starter_pro_and_enterprise_only(app: Any) -> None:
    async with app.state.runtime.factory() as session:
        billing = {row.plan: row for row in await session.scalars(select(PlanBilling))}

    assert set(billing) == {"starter", "pro", "enterprise"}
    assert (billing["starter"].display_name, billing["starter"].monthly_price_cents) == ("Starter", 1999)
    assert (billing["pro"].monthly_price_cents, billing["pro"].sort_order) == (2999, 20)
    assert billing["enterprise"].monthly_price_cents is None
    assert all(row.stripe_monthly_price_id is None and row.annual_price_cents is None for row in billing.values())


async def test_seed_has_eight_flags_with_a_default_for_every_plan(app: Any) -> None:
    async with app.state.runtime.factory() as session:
        rows = await session.execute(
            select(FeatureFlag.flag_key, PlanFeatureDefault.plan, PlanFeatureDefault.enabled).join(
                PlanFeatureDefault, PlanFeatureDefault.flag_id == FeatureFlag.id
            )
        )
        defaults = {(key, plan): enabled for key, plan, enabled in rows}
        flags = set(await session.scalars(select(FeatureFlag.flag_key)))

    assert flags == set(FLAG_PLANS)
    assert len(defaults) == 32
    for (key, plan), enabled in defaults.items():
        assert enabled is (plan in FLAG_PLANS[key]), (key, plan)


async def test_public_plans_list_the_priced_plans_in_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/plans/public")

    assert response.status_code == 200
    assert response.json() == [
        {
            "plan": "starter",
            "display_name": "Starter",
            "description": None,
            "monthly_price_cents": 1999,
            "annual_price_cents": None,
            "max_seats": 1,
            "sort_order": 10,
            "is_public": True,
        },
        {
            "plan": "pro",
            "display_name": "Pro",
            "description": None,
            "monthly_price_cents": 2999,
            "annual_price_cents": None,
            "max_seats": 5,
            "sort_order": 20,
            "is_public": True,
        },
        {
            "plan": "enterprise",
            "display_name": "Enterprise",
            "description": None,
            "monthly_price_cents": None,
            "annual_price_cents": None,
            "max_seats": None,
            "sort_order": 30,
            "is_public": True,
        },
    ]
