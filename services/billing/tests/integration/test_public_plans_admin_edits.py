import uuid
from typing import Any

import httpx
from admin_support import admin_headers, throwaway_plan

from shared.testing import TestSigner


async def test_public_plans_follow_admin_edits_hiding_archived_and_private_plans_and_sorting_ties_by_plan(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    headers = admin_headers(signer, uuid.uuid4())
    shown = {"display_name": "Team", "monthly_price_cents": 2499, "sort_order": 20}
    async with (
        throwaway_plan(app, billing=shown) as team,
        throwaway_plan(app, billing={"display_name": "Hidden", "is_public": False}) as hidden,
        throwaway_plan(app, billing={"display_name": "Old", "is_archived": True}) as archived,
        throwaway_plan(app) as unpriced,
    ):
        await client.put("/api/v1/admin/plan-limits", json={"plan": team, "max_users": 12}, headers=headers)

        response = await client.get("/api/v1/plans/public")

        assert response.status_code == 200
        plans = [row["plan"] for row in response.json()]
        assert hidden not in plans
        assert archived not in plans
        assert unpriced not in plans  # no plan_billing row
        expected_order = ["starter", *sorted(["pro", team]), "enterprise"]
        assert plans == expected_order
        [row] = [row for row in response.json() if row["plan"] == team]
        assert row == {
            "plan": team,
            "display_name": "Team",
            "description": None,
            "monthly_price_cents": 2499,
            "annual_price_cents": None,
            "max_seats": 12,
            "sort_order": 20,
            "is_public": True,
        }

        archive = await client.put(
            "/api/v1/admin/plan-limits", json={"plan": team, "is_archived": True}, headers=headers
        )
        assert archive.status_code == 200
        after = [row["plan"] for row in (await client.get("/api/v1/plans/public")).json()]
        assert after == ["starter", "pro", "enterprise"]
