import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from admin_support import add_account, admin_headers, audit_rows, events_by
from sqlalchemy import delete, select

from billing.catalog.models import AccountFeatureOverride, FeatureFlag, PlanFeatureDefault, PlanLimits
from shared.clock import ManualClock
from shared.testing import TestSigner

INTERNAL = {"Authorization": "Bearer test-internal-token"}
FLAGS = "/api/v1/admin/feature-flags"
OVERRIDES = "/api/v1/admin/feature-flags/account-overrides"


@pytest.fixture
async def flag_key(app: Any) -> AsyncIterator[str]:
    """A fresh flag key; the flag, if a test made it, is removed afterwards (other tests count flags)."""
    key = f"t_{uuid.uuid4().hex[:12]}"
    yield key
    async with app.state.runtime.factory() as session, session.begin():
        await session.execute(delete(FeatureFlag).where(FeatureFlag.flag_key == key))


async def create_flag(client: httpx.AsyncClient, signer: TestSigner, key: str) -> dict[str, Any]:
    response = await client.post(
        FLAGS,
        json={"flag_key": key, "display_name": "Test Flag", "description": "for a test"},
        headers=admin_headers(signer, uuid.uuid4()),
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


async def plan_names(app: Any) -> list[str]:
    async with app.state.runtime.factory() as session:
        return sorted(await session.scalars(select(PlanLimits.plan)))


async def test_feature_flags_list_each_flag_with_its_default_on_every_plan(
    client: httpx.AsyncClient, signer: TestSigner
) -> None:
    response = await client.get(FLAGS, headers=admin_headers(signer, uuid.uuid4()))

    assert response.status_code == 200
    flags = {flag["flag_key"]: flag for flag in response.json()}
    sso = flags["sso"]
    assert set(sso) == {"id", "flag_key", "display_name", "description", "plan_defaults", "created_at", "updated_at"}
    assert sso["display_name"] == "Single Sign-On"
    assert sso["plan_defaults"] == {"enterprise": True, "free": False, "pro": False, "starter": False}
    assert flags["psa_integration"]["plan_defaults"]["starter"] is True


async def test_creating_a_flag_adds_an_off_default_for_every_plan_and_announces_all_plans(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, flag_key: str
) -> None:
    admin_id = uuid.uuid4()

    response = await client.post(
        FLAGS, json={"flag_key": flag_key, "display_name": "New Thing"}, headers=admin_headers(signer, admin_id)
    )

    assert response.status_code == 201
    body = response.json()
    plans = await plan_names(app)
    assert body["flag_key"] == flag_key
    assert body["display_name"] == "New Thing"
    assert body["description"] is None
    assert body["plan_defaults"] == dict.fromkeys(plans, False)
    assert body["created_at"].endswith("+00:00")
    async with app.state.runtime.factory() as session:
        defaults = list(
            await session.scalars(select(PlanFeatureDefault).where(PlanFeatureDefault.flag_id == uuid.UUID(body["id"])))
        )
    assert sorted(row.plan for row in defaults) == plans
    assert not any(row.enabled for row in defaults)
    [entry] = await audit_rows(app, "feature_flag.create", admin_id)
    assert entry.details["flag_key"] == flag_key
    [event] = await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id)
    assert event["data"] == {"plans": None, "change": "feature_flag", "changed_by": str(admin_id)}


async def test_creating_an_existing_flag_is_409(client: httpx.AsyncClient, signer: TestSigner) -> None:
    response = await client.post(
        FLAGS, json={"flag_key": "sso", "display_name": "Again"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "Feature flag already exists"}


@pytest.mark.parametrize("bad_key", ["Sso", "a", "9lives", "has-dash", "x" * 101])
async def test_a_flag_key_outside_the_pattern_is_422(
    client: httpx.AsyncClient, signer: TestSigner, bad_key: str
) -> None:
    response = await client.post(
        FLAGS, json={"flag_key": bad_key, "display_name": "Bad"}, headers=admin_headers(signer, uuid.uuid4())
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "flag_key"]


async def test_updating_a_flag_changes_only_the_fields_sent(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, flag_key: str
) -> None:
    flag = await create_flag(client, signer, flag_key)
    admin_id = uuid.uuid4()

    kept_name = await client.put(
        f"{FLAGS}/{flag['id']}",
        json={"display_name": None, "description": None},
        headers=admin_headers(signer, admin_id),
    )
    renamed = await client.put(
        f"{FLAGS}/{flag['id']}", json={"display_name": "Renamed"}, headers=admin_headers(signer, admin_id)
    )

    assert kept_name.status_code == 200
    assert kept_name.json()["display_name"] == "Test Flag"
    assert kept_name.json()["description"] is None
    assert renamed.status_code == 200
    assert renamed.json()["display_name"] == "Renamed"
    assert renamed.json()["description"] is None
    assert renamed.json()["plan_defaults"] == flag["plan_defaults"]
    async with app.state.runtime.factory() as session:
        stored = await session.get(FeatureFlag, uuid.UUID(flag["id"]))
    assert stored is not None
    assert (stored.display_name, stored.description) == ("Renamed", None)
    assert len(await audit_rows(app, "feature_flag.update", admin_id)) == 2
    assert len(await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id, change="feature_flag")) == 2


async def test_updating_or_deleting_an_unknown_flag_is_404(client: httpx.AsyncClient, signer: TestSigner) -> None:
    headers = admin_headers(signer, uuid.uuid4())

    updated = await client.put(f"{FLAGS}/{uuid.uuid4()}", json={"display_name": "X"}, headers=headers)
    deleted = await client.delete(f"{FLAGS}/{uuid.uuid4()}", headers=headers)

    assert (updated.status_code, deleted.status_code) == (404, 404)
    assert updated.json() == deleted.json() == {"detail": "Feature flag not found"}


async def test_deleting_a_flag_removes_its_defaults_and_overrides(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, flag_key: str
) -> None:
    flag = await create_flag(client, signer, flag_key)
    account_id = uuid.uuid4()
    await client.post(
        OVERRIDES,
        json={"account_id": str(account_id), "flag_key": flag_key, "enabled": True},
        headers=admin_headers(signer, uuid.uuid4()),
    )
    admin_id = uuid.uuid4()

    response = await client.delete(f"{FLAGS}/{flag['id']}", headers=admin_headers(signer, admin_id))

    assert response.status_code == 204
    assert response.content == b""
    flag_id = uuid.UUID(flag["id"])
    async with app.state.runtime.factory() as session:
        assert await session.get(FeatureFlag, flag_id) is None
        assert (
            list(await session.scalars(select(PlanFeatureDefault).where(PlanFeatureDefault.flag_id == flag_id))) == []
        )
        assert (
            list(await session.scalars(select(AccountFeatureOverride).where(AccountFeatureOverride.flag_id == flag_id)))
            == []
        )
    [entry] = await audit_rows(app, "feature_flag.delete", admin_id)
    assert entry.details == {"flag_key": flag_key}
    [event] = await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id)
    assert event["data"]["plans"] is None
    again = await client.delete(f"{FLAGS}/{flag['id']}", headers=admin_headers(signer, admin_id))
    assert again.status_code == 404


async def test_plan_default_upsert_turns_a_flag_on_for_that_plan_only(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, flag_key: str, clock: ManualClock
) -> None:
    await create_flag(client, signer, flag_key)
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    await add_account(
        app, account_id, plan="starter", status="active", current_period_end=clock.now() + timedelta(days=9)
    )

    response = await client.put(
        f"{FLAGS}/plan-defaults",
        json={"plan": "starter", "flag_key": flag_key, "enabled": True},
        headers=admin_headers(signer, admin_id),
    )

    assert response.status_code == 200
    assert response.json() == {"plan": "starter", "flag_key": flag_key, "enabled": True}
    listed = {
        flag["flag_key"]: flag for flag in (await client.get(FLAGS, headers=admin_headers(signer, admin_id))).json()
    }
    assert listed[flag_key]["plan_defaults"]["starter"] is True
    assert listed[flag_key]["plan_defaults"]["pro"] is False
    snapshot = (await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)).json()
    assert snapshot["features"][flag_key] is True
    [entry] = await audit_rows(app, "feature_flag.plan_default", admin_id)
    assert entry.details["plan"] == "starter"
    assert (entry.details["before"], entry.details["after"]) == (False, True)
    [event] = await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id)
    assert event["data"] == {"plans": ["starter"], "change": "feature_default", "changed_by": str(admin_id)}


async def test_plan_default_of_an_unknown_plan_or_flag_is_404(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    headers = admin_headers(signer, admin_id)

    no_plan = await client.put(
        f"{FLAGS}/plan-defaults", json={"plan": "platinum", "flag_key": "sso", "enabled": True}, headers=headers
    )
    no_flag = await client.put(
        f"{FLAGS}/plan-defaults", json={"plan": "pro", "flag_key": "no_such_flag", "enabled": True}, headers=headers
    )

    assert (no_plan.status_code, no_plan.json()) == (404, {"detail": "Plan not found"})
    assert (no_flag.status_code, no_flag.json()) == (404, {"detail": "Feature flag not found"})
    assert await events_by(app, "billing.plan_catalog.changed", changed_by=admin_id) == []


async def test_account_override_is_created_then_replaced_and_shows_in_the_entitlements(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, clock: ManualClock
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="free", status="active")
    headers = admin_headers(signer, admin_id)

    created = await client.post(
        OVERRIDES,
        json={"account_id": str(account_id), "flag_key": "sso", "enabled": True, "note": "pilot"},
        headers=headers,
    )
    replaced = await client.post(
        OVERRIDES, json={"account_id": str(account_id), "flag_key": "sso", "enabled": False}, headers=headers
    )

    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "account_id", "flag_id", "flag_key", "enabled", "note", "created_at"}
    assert (body["account_id"], body["flag_key"], body["enabled"], body["note"]) == (
        str(account_id),
        "sso",
        True,
        "pilot",
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == body["id"]
    assert (replaced.json()["enabled"], replaced.json()["note"]) == (False, None)
    async with app.state.runtime.factory() as session:
        rows = list(
            await session.scalars(select(AccountFeatureOverride).where(AccountFeatureOverride.account_id == account_id))
        )
    assert [(row.enabled, row.created_by) for row in rows] == [(False, admin_id)]
    listed = await client.get(OVERRIDES, params={"account_id": str(account_id)}, headers=headers)
    assert listed.json() == [replaced.json()]
    features = (await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)).json()["features"]
    assert features["sso"] is False
    entries = await audit_rows(app, "feature_override.upsert", admin_id)
    assert [entry.details["created"] for entry in entries] == [True, False]
    events = await events_by(app, "billing.feature_overrides.changed", account_id=account_id)
    assert [event["data"] for event in events] == [
        {
            "account_id": str(account_id),
            "kind": "feature",
            "flag_key": "sso",
            "enabled": True,
            "changed_by": str(admin_id),
        },
        {
            "account_id": str(account_id),
            "kind": "feature",
            "flag_key": "sso",
            "enabled": False,
            "changed_by": str(admin_id),
        },
    ]


async def test_account_override_of_an_unknown_flag_is_404(client: httpx.AsyncClient, signer: TestSigner) -> None:
    response = await client.post(
        OVERRIDES,
        json={"account_id": str(uuid.uuid4()), "flag_key": "no_such_flag", "enabled": True},
        headers=admin_headers(signer, uuid.uuid4()),
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Feature flag not found"}


async def test_deleting_an_account_override_restores_the_plan_default(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    admin_id = uuid.uuid4()
    account_id = uuid.uuid4()
    await add_account(app, account_id, plan="free", status="active")
    headers = admin_headers(signer, admin_id)
    created = await client.post(
        OVERRIDES, json={"account_id": str(account_id), "flag_key": "audit_log", "enabled": True}, headers=headers
    )

    response = await client.delete(f"{OVERRIDES}/{created.json()['id']}", headers=headers)

    assert response.status_code == 204
    assert (await client.get(OVERRIDES, params={"account_id": str(account_id)}, headers=headers)).json() == []
    features = (await client.get(f"/internal/entitlements/{account_id}", headers=INTERNAL)).json()["features"]
    assert features["audit_log"] is False
    [entry] = await audit_rows(app, "feature_override.delete", admin_id)
    assert entry.details["flag_key"] == "audit_log"
    events = await events_by(app, "billing.feature_overrides.changed", account_id=account_id)
    assert events[-1]["data"]["enabled"] is None
    assert events[-1]["data"]["kind"] == "feature"
    again = await client.delete(f"{OVERRIDES}/{created.json()['id']}", headers=headers)
    assert (again.status_code, again.json()) == (404, {"detail": "Override not found"})
