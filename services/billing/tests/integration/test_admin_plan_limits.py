import uuid
from datetime import timedelta
from typing import Any

import httpx
from admin_support import (
    add_account,
    admin_headers,
    audit_rows,
    events_by,
    throwaway_plan,
)
from sqlalchemy import select

from billing.catalog.models import PlanBilling, PlanLimits
from shared.clock import ManualClock
from shared.testing import TestSigner

INTERNAL = {"Authorization": "Bearer test-internal-token"}
LIMIT_KEYS = {
    "plan",
    "max_trees",
    "max_sessions_per_month",
    "max_users",
    "custom_branding",
    "priority_support",
    "export_formats",
    "max_ai_builds_per_month",
    "max_ai_builds_per_24h",
    "kb_accelerator_enabled",
    "kb_max_lifetime_conversions",
    "kb_batch_max_size",
    "kb_allowed_formats",
    "kb_detailed_analysis",
    "kb_conversational_refinement",
    "kb_step_library_matching",
    "kb_history_limit",
}
BILLING_KEYS = {
    "display_name",
    "description",
    "monthly_price_cents",
    "annual_price_cents",
    "stripe_product_id",
    "stripe_monthly_price_id",
    "stripe_annual_price_id",
    "is_public",
    "is_archived",
    "sort_order",
}


async def stored_plan(app: Any, plan: str) -> tuple[PlanLimits, PlanBilling | None]:
    async with app.state.runtime.factory() as session:
        limits = await session.scalar(select(PlanLimits).where(PlanLimits.plan == plan))
        assert limits is not None
        billing = await session.scalar(select(PlanBilling).where(PlanBilling.plan == plan))
        return limits, billing


async def test_plan_limits_list_every_plan_raw_with_its_billing_fields(
    client: httpx.AsyncClient, signer: TestSigner
) -> None:
    response = await client.get("/api/v1/admin/plan-limits", headers=admin_headers(signer, uuid.uuid4()))

    assert response.status_code == 200
    plans = {row["plan"]: row for row in response.json()}
    assert {"free", "starter", "pro", "enterprise"} <= set(plans)
    assert all(set(row) == LIMIT_KEYS | BILLING_KEYS for row in plans.values())
    assert {key: plans["free"][key] for key in BILLING_KEYS} == dict.fromkeys(BILLING_KEYS)
    assert plans["free"]["max_trees"] == 3
    assert plans["pro"]["display_name"] == "Pro"
    assert plans["pro"]["monthly_price_cents"] == 2999
    assert plans["pro"]["sort_order"] == 20
    assert plans["pro"]["max_users"] == 5  # raw plan value, no account applied
    assert plans["enterprise"]["max_trees"] is None


async def test_put_plan_limits_changes_only_the_fields_sent(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    async with throwaway_plan(app) as plan:
        before = (await client.get("/api/v1/admin/plan-limits", headers=admin_headers(signer, admin_id))).json()
        original = next(row for row in before if row["plan"] == plan)

        response = await client.put(
            "/api/v1/admin/plan-limits",
            json={"plan": plan, "max_trees": 7, "kb_allowed_formats": ["txt"]},
            headers=admin_headers(signer, admin_id),
        )

        assert response.status_code == 200
        assert response.json() == original | {"max_trees": 7, "kb_allowed_formats": ["txt"]}
        limits, billing = await stored_plan(app, plan)
        assert limits.max_trees == 7
        assert limits.kb_allowed_formats == ["txt"]
        assert limits.max_sessions_per_month == original["max_sessions_per_month"]
        assert billing is None
        [entry] = await audit_rows(app, "plan_limits.update", admin_id)
        assert entry.entity_id == plan
        assert entry.details["plan"] == plan
        assert entry.details["updated_billing"] is False
        [event] = await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id)
        assert event["data"] == {"plans": [plan], "change": "plan_limits", "changed_by": str(admin_id)}


async def test_explicit_null_on_a_limit_number_is_unlimited_and_on_a_boolean_or_formats_is_ignored(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    async with throwaway_plan(app) as plan:
        response = await client.put(
            "/api/v1/admin/plan-limits",
            json={
                "plan": plan,
                "max_trees": None,
                "kb_history_limit": None,
                "custom_branding": None,
                "export_formats": None,
                "kb_allowed_formats": None,
            },
            headers=admin_headers(signer, uuid.uuid4()),
        )

        assert response.status_code == 200
        body = response.json()
        assert body["max_trees"] is None
        assert body["kb_history_limit"] is None
        assert body["custom_branding"] is True  # pro's value, kept
        assert body["export_formats"] == ["markdown", "text", "html"]
        limits, _ = await stored_plan(app, plan)
        assert limits.max_trees is None
        assert limits.custom_branding is True
        assert limits.export_formats == ["markdown", "text", "html"]
        assert limits.kb_allowed_formats == ["txt", "paste", "md", "docx", "pdf", "html"]


async def test_billing_fields_create_the_missing_billing_row_named_after_the_plan(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    async with throwaway_plan(app) as plan:
        response = await client.put(
            "/api/v1/admin/plan-limits",
            json={"plan": plan, "monthly_price_cents": 4900, "stripe_monthly_price_id": "price_x", "is_public": None},
            headers=admin_headers(signer, admin_id),
        )

        assert response.status_code == 200
        body = response.json()
        assert body["display_name"] == plan.capitalize()
        assert body["monthly_price_cents"] == 4900
        assert body["stripe_monthly_price_id"] == "price_x"
        assert (body["is_public"], body["is_archived"], body["sort_order"]) == (True, False, 0)
        _, billing = await stored_plan(app, plan)
        assert billing is not None
        assert (billing.display_name, billing.monthly_price_cents, billing.is_public) == (plan.capitalize(), 4900, True)
        [entry] = await audit_rows(app, "plan_limits.update", admin_id)
        assert entry.details["updated_billing"] is True
        [event] = await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id)
        assert event["data"]["plans"] == [plan]
        assert event["data"]["change"] == "plan_billing"


async def test_explicit_null_never_clears_the_required_billing_fields_but_clears_the_optional_ones(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    billing = {"display_name": "Team", "description": "For teams", "monthly_price_cents": 900, "sort_order": 15}
    async with throwaway_plan(app, billing=billing) as plan:
        response = await client.put(
            "/api/v1/admin/plan-limits",
            json={
                "plan": plan,
                "display_name": None,
                "is_public": None,
                "is_archived": None,
                "sort_order": None,
                "description": None,
                "monthly_price_cents": None,
            },
            headers=admin_headers(signer, uuid.uuid4()),
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["display_name"], body["is_public"], body["is_archived"], body["sort_order"]) == (
            "Team",
            True,
            False,
            15,
        )
        assert body["description"] is None
        assert body["monthly_price_cents"] is None
        _, stored = await stored_plan(app, plan)
        assert stored is not None
        assert (stored.display_name, stored.sort_order, stored.description) == ("Team", 15, None)


async def test_put_plan_limits_of_an_unknown_plan_is_404_and_changes_nothing(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()

    response = await client.put(
        "/api/v1/admin/plan-limits",
        json={"plan": "platinum", "max_trees": 1, "display_name": "Platinum"},
        headers=admin_headers(signer, admin_id),
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Plan not found"}
    assert await audit_rows(app, "plan_limits.update", admin_id) == []
    assert await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id) == []


async def test_put_plan_limits_with_a_bad_value_or_unknown_field_is_422_and_changes_nothing(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    async with throwaway_plan(app) as plan:
        negative = await client.put(
            "/api/v1/admin/plan-limits",
            json={"plan": plan, "max_trees": -1, "display_name": "X"},
            headers=admin_headers(signer, admin_id),
        )
        too_big = await client.put(
            "/api/v1/admin/plan-limits",
            json={"plan": plan, "max_users": 2**40},
            headers=admin_headers(signer, admin_id),
        )
        unknown = await client.put(
            "/api/v1/admin/plan-limits",
            json={"plan": plan, "max_flows": 3},
            headers=admin_headers(signer, admin_id),
        )

        assert [negative.status_code, too_big.status_code, unknown.status_code] == [422, 422, 422]
        assert negative.json()["detail"][0]["loc"] == ["body", "max_trees"]
        assert unknown.json()["detail"][0]["loc"] == ["body", "max_flows"]
        limits, billing = await stored_plan(app, plan)
        assert limits.max_trees == 25
        assert billing is None
        assert await audit_rows(app, "plan_limits.update", admin_id) == []


async def test_entitlements_show_a_changed_plan_limit_at_once_and_the_catalog_change_is_announced(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    async with throwaway_plan(app) as plan:
        await add_account(
            app, account_id, plan=plan, status="active", current_period_end=clock.now() + timedelta(days=30)
        )
        first = await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)
        assert first.json()["limits"]["max_trees"] == 25

        response = await client.put(
            "/api/v1/admin/plan-limits",
            json={"plan": plan, "max_trees": 42},
            headers=admin_headers(signer, admin_id),
        )
        assert response.status_code == 200

        after = await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)
        assert after.status_code == 200
        assert after.json()["limits"]["max_trees"] == 42
        [event] = await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id)
        assert event["data"]["plans"] == [plan]
        assert event["producer"] == "billing"
