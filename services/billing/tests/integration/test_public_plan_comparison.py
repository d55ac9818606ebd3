import uuid
from typing import Any

import httpx
from admin_support import admin_headers, member_headers, throwaway_plan

from shared.testing import TestSigner

COMPARISON = "/api/v1/plans/public/comparison"
ALL_EXPORTS = ["markdown", "text", "html"]
# The seeded flags by display_name, with the plans that have them by default.
SEEDED_FEATURES = [
    ("analytics_dashboards", "Analytics Dashboards", {"pro", "enterprise"}),
    ("audit_log", "Audit Log", {"enterprise"}),
    ("escalation_mode", "Escalation Mode", {"pro", "enterprise"}),
    ("team_admin_full", "Full Team Administration", {"pro", "enterprise"}),
    ("knowledge_flywheel", "Knowledge Flywheel", {"pro", "enterprise"}),
    ("psa_integration", "PSA Integration", {"starter", "pro", "enterprise"}),
    ("script_builder", "Script Builder", {"starter", "pro", "enterprise"}),
    ("sso", "Single Sign-On", {"enterprise"}),
]


def limit_values(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row["values"] for row in body["limits"]}


async def test_comparison_shows_the_seeded_public_plans_limits_and_flag_defaults_without_auth(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(COMPARISON)

    assert response.status_code == 200
    body = response.json()
    assert body["plans"] == [
        {"plan": "starter", "display_name": "Starter"},
        {"plan": "pro", "display_name": "Pro"},
        {"plan": "enterprise", "display_name": "Enterprise"},
    ]
    assert body["limits"] == [
        {"key": "max_users", "values": {"starter": 1, "pro": 5, "enterprise": None}},
        {"key": "max_trees", "values": {"starter": 10, "pro": 25, "enterprise": None}},
        {"key": "max_sessions_per_month", "values": {"starter": 75, "pro": 200, "enterprise": None}},
        {"key": "max_ai_builds_per_month", "values": {"starter": 15, "pro": 50, "enterprise": None}},
        {"key": "custom_branding", "values": {"starter": False, "pro": True, "enterprise": True}},
        {"key": "priority_support", "values": {"starter": False, "pro": False, "enterprise": True}},
        {"key": "export_formats", "values": {"starter": ALL_EXPORTS, "pro": ALL_EXPORTS, "enterprise": ALL_EXPORTS}},
    ]
    assert body["features"] == [
        {
            "flag_key": key,
            "display_name": name,
            "description": None,
            "plans": {plan: plan in enabled for plan in ("starter", "pro", "enterprise")},
        }
        for key, name, enabled in SEEDED_FEATURES
    ]
    # The same plans, in the same order, as the public plan list.
    listed = [row["plan"] for row in (await client.get("/api/v1/plans/public")).json()]
    assert [row["plan"] for row in body["plans"]] == listed


async def test_comparison_ignores_account_overrides_and_any_token_sent(
    client: httpx.AsyncClient, signer: TestSigner
) -> None:
    headers = member_headers(signer)
    account_id = uuid.uuid4()
    override = await client.post(
        "/api/v1/admin/feature-flags/account-overrides",
        json={"account_id": str(account_id), "flag_key": "sso", "enabled": True},
        headers=admin_headers(signer, uuid.uuid4()),
    )
    assert override.status_code == 201

    anonymous = await client.get(COMPARISON)
    with_token = await client.get(COMPARISON, headers=headers)

    assert (anonymous.status_code, with_token.status_code) == (200, 200)
    assert with_token.json() == anonymous.json()
    [sso] = [row for row in anonymous.json()["features"] if row["flag_key"] == "sso"]
    assert sso["plans"] == {"starter": False, "pro": False, "enterprise": True}


async def test_comparison_follows_admin_edits_and_leaves_out_archived_and_private_plans(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    headers = admin_headers(signer, uuid.uuid4())
    async with (
        throwaway_plan(app, billing={"display_name": "Team", "sort_order": 20}) as team,
        throwaway_plan(app, billing={"display_name": "Hidden", "is_public": False}) as hidden,
        throwaway_plan(app, billing={"display_name": "Old", "is_archived": True}) as archived,
        throwaway_plan(app) as unpriced,
    ):
        limit = await client.put("/api/v1/admin/plan-limits", json={"plan": team, "max_users": 12}, headers=headers)
        default = await client.put(
            "/api/v1/admin/feature-flags/plan-defaults",
            json={"plan": team, "flag_key": "sso", "enabled": True},
            headers=headers,
        )
        assert (limit.status_code, default.status_code) == (200, 200)

        response = await client.get(COMPARISON)

        assert response.status_code == 200
        body = response.json()
        plans = [row["plan"] for row in body["plans"]]
        assert plans == ["starter", *sorted(["pro", team]), "enterprise"]
        assert {"plan": team, "display_name": "Team"} in body["plans"]
        assert not {hidden, archived, unpriced} & set(plans)
        limits = limit_values(body)
        assert all(set(values) == set(plans) for values in limits.values())
        # pro's limits under a fresh name, with the admin's seat count
        assert limits["max_users"][team] == 12
        assert (limits["max_trees"][team], limits["custom_branding"][team]) == (25, True)
        assert limits["max_users"]["pro"] == 5
        features = {row["flag_key"]: row["plans"] for row in body["features"]}
        assert features["sso"][team] is True
        assert features["sso"]["pro"] is False
        # a throwaway plan has no other default rows: every other flag reads false
        assert not any(enabled[team] for key, enabled in features.items() if key != "sso")

        archive = await client.put(
            "/api/v1/admin/plan-limits", json={"plan": team, "is_archived": True}, headers=headers
        )
        assert archive.status_code == 200
        after = (await client.get(COMPARISON)).json()
        assert [row["plan"] for row in after["plans"]] == ["starter", "pro", "enterprise"]
        assert all(team not in row["plans"] for row in after["features"])
        assert all(team not in row["values"] for row in after["limits"])
