import uuid
from typing import Any

import httpx
from admin_support import add_account, admin_headers, audit_rows, events_by
from sqlalchemy import select

from billing.catalog.models import AccountLimitOverride
from shared.testing import TestSigner

INTERNAL = {"Authorization": "Bearer test-internal-token"}
OVERRIDES = "/api/v1/admin/account-overrides"
SHAPE = {
    "id",
    "account_id",
    "max_trees",
    "max_sessions_per_month",
    "max_users",
    "max_ai_builds_per_month",
    "max_ai_builds_per_24h",
    "kb_max_lifetime_conversions",
    "custom_branding",
    "priority_support",
    "export_formats",
    "note",
    "created_at",
    "updated_at",
}


async def stored(app: Any, account_id: uuid.UUID) -> AccountLimitOverride | None:
    async with app.state.runtime.factory() as session:
        found: AccountLimitOverride | None = await session.scalar(
            select(AccountLimitOverride).where(AccountLimitOverride.account_id == account_id)
        )
        return found


async def test_creating_a_limit_override_applies_it_to_the_accounts_entitlements(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="free", status="active")

    response = await client.post(
        OVERRIDES,
        json={"account_id": str(account_id), "max_trees": 50, "export_formats": ["markdown"], "note": "deal"},
        headers=admin_headers(signer, admin_id),
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == SHAPE
    assert (body["max_trees"], body["export_formats"], body["note"], body["max_users"]) == (
        50,
        ["markdown"],
        "deal",
        None,
    )
    row = await stored(app, account_id)
    assert row is not None
    assert (row.max_trees, row.created_by) == (50, admin_id)
    limits = (await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)).json()["limits"]
    assert (limits["max_trees"], limits["export_formats"], limits["max_users"]) == (50, ["markdown"], 1)
    [entry] = await audit_rows(app, "limit_override.create", admin_id)
    assert entry.entity_id == str(account_id)
    [event] = await events_by(app, "billing.feature_overrides.changed", account_id=account_id)
    assert event["data"] == {
        "account_id": str(account_id),
        "kind": "limit",
        "flag_key": None,
        "enabled": None,
        "changed_by": str(admin_id),
    }


async def test_a_second_limit_override_for_the_account_is_409(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    account_id = uuid.uuid4()
    headers = admin_headers(signer, uuid.uuid4())
    await client.post(OVERRIDES, json={"account_id": str(account_id), "max_trees": 5}, headers=headers)

    response = await client.post(OVERRIDES, json={"account_id": str(account_id), "max_trees": 6}, headers=headers)

    assert response.status_code == 409
    assert response.json() == {"detail": "Override already exists for this account"}
    row = await stored(app, account_id)
    assert row is not None
    assert row.max_trees == 5


async def test_updating_a_limit_override_changes_only_the_fields_sent_and_null_inherits_again(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    account_id = uuid.uuid4()
    admin_id = uuid.uuid4()
    headers = admin_headers(signer, admin_id)
    created = await client.post(
        OVERRIDES,
        json={"account_id": str(account_id), "max_trees": 5, "max_users": 9, "custom_branding": True, "note": "n"},
        headers=headers,
    )

    response = await client.put(
        f"{OVERRIDES}/{created.json()['id']}", json={"max_trees": 12, "max_users": None}, headers=headers
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["max_trees"], body["max_users"], body["custom_branding"], body["note"]) == (12, None, True, "n")
    row = await stored(app, account_id)
    assert row is not None
    assert (row.max_trees, row.max_users, row.custom_branding) == (12, None, True)
    [entry] = await audit_rows(app, "limit_override.update", admin_id)
    assert entry.details["before"] == {"max_trees": 5, "max_users": 9}
    assert entry.details["after"] == {"max_trees": 12, "max_users": None}
    events = await events_by(app, "billing.feature_overrides.changed", account_id=account_id)
    assert len(events) == 2


async def test_limit_override_update_with_a_bad_value_is_422(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    account_id = uuid.uuid4()
    headers = admin_headers(signer, uuid.uuid4())
    created = await client.post(OVERRIDES, json={"account_id": str(account_id), "max_trees": 5}, headers=headers)

    response = await client.put(f"{OVERRIDES}/{created.json()['id']}", json={"max_trees": -3}, headers=headers)
    moved = await client.put(
        f"{OVERRIDES}/{created.json()['id']}", json={"account_id": str(uuid.uuid4())}, headers=headers
    )

    assert (response.status_code, moved.status_code) == (422, 422)
    row = await stored(app, account_id)
    assert row is not None
    assert row.max_trees == 5


async def test_limit_overrides_list_filters_by_account(client: httpx.AsyncClient, signer: TestSigner) -> None:
    headers = admin_headers(signer, uuid.uuid4())
    first, second = uuid.uuid4(), uuid.uuid4()
    await client.post(OVERRIDES, json={"account_id": str(first), "max_trees": 1}, headers=headers)
    await client.post(OVERRIDES, json={"account_id": str(second), "max_trees": 2}, headers=headers)

    one = await client.get(OVERRIDES, params={"account_id": str(first)}, headers=headers)
    every = await client.get(OVERRIDES, headers=headers)

    assert one.status_code == 200
    assert [(row["account_id"], row["max_trees"]) for row in one.json()] == [(str(first), 1)]
    assert {str(first), str(second)} <= {row["account_id"] for row in every.json()}


async def test_deleting_a_limit_override_brings_back_the_plan_limits(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    account_id = uuid.uuid4()
    admin_id = uuid.uuid4()
    await add_account(app, account_id, plan="free", status="active")
    headers = admin_headers(signer, admin_id)
    created = await client.post(OVERRIDES, json={"account_id": str(account_id), "max_trees": 99}, headers=headers)

    response = await client.delete(f"{OVERRIDES}/{created.json()['id']}", headers=headers)

    assert response.status_code == 204
    assert await stored(app, account_id) is None
    limits = (await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)).json()["limits"]
    assert limits["max_trees"] == 3
    [entry] = await audit_rows(app, "limit_override.delete", admin_id)
    assert entry.details["before"]["max_trees"] == 99
    assert len(await events_by(app, "billing.feature_overrides.changed", account_id=account_id)) == 2


async def test_updating_or_deleting_an_unknown_limit_override_is_404(
    client: httpx.AsyncClient, signer: TestSigner
) -> None:
    headers = admin_headers(signer, uuid.uuid4())

    updated = await client.put(f"{OVERRIDES}/{uuid.uuid4()}", json={"max_trees": 1}, headers=headers)
    deleted = await client.delete(f"{OVERRIDES}/{uuid.uuid4()}", headers=headers)

    assert (updated.status_code, deleted.status_code) == (404, 404)
    assert updated.json() == deleted.json() == {"detail": "Override not found"}
