"""Runtime settings for super admins (api.md §3.7), the admin gate, public config and beta signup (§3.3)."""

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from admin_support import audit_of, bearer_for, events_of, new_admin, new_email, registered_user, rows, set_super_admin
from conftest import FRONTEND_URL, register, set_runtime_setting

from shared.db import SessionFactory

SETTINGS_FIELDS = {
    "self_serve_enabled", "require_invite_code", "internal_tester_emails", "email_verification_enabled",
    "updated_at", "updated_by",
}  # fmt: skip


@pytest.fixture
async def restore_settings(db: SessionFactory) -> AsyncIterator[None]:
    """Other tests share the runtime settings: put back what was there."""
    before = await rows(db, "SELECT key, value FROM runtime_settings")
    yield
    for row in before:
        await set_runtime_setting(db, row["key"], json.dumps(row["value"]))


async def stored_settings(db: SessionFactory) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in await rows(db, "SELECT key, value, updated_at, updated_by FROM runtime_settings")}


async def test_get_settings_answers_the_four_values_for_a_super_admin(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)

    response = await client.get("/api/v1/admin/settings", headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == SETTINGS_FIELDS
    stored = await stored_settings(db)
    for key in ("self_serve_enabled", "require_invite_code", "internal_tester_emails", "email_verification_enabled"):
        assert body[key] == stored[key]["value"]


async def test_patch_settings_stores_audits_each_changed_key_and_announces_one_event(
    client: httpx.AsyncClient, db: SessionFactory, restore_settings: None
) -> None:
    admin, headers = await new_admin(client, db)
    before = (await client.get("/api/v1/admin/settings", headers=headers)).json()
    tester = new_email("tester")

    response = await client.patch(
        "/api/v1/admin/settings",
        headers=headers,
        json={
            "self_serve_enabled": not before["self_serve_enabled"],
            "internal_tester_emails": [f"  {tester.upper()} ", tester, "QA@Example.com"],
            "email_verification_enabled": before["email_verification_enabled"],
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["self_serve_enabled"] is (not before["self_serve_enabled"])
    assert body["internal_tester_emails"] == sorted({tester, "qa@example.com"})
    assert body["email_verification_enabled"] is before["email_verification_enabled"]
    assert body["require_invite_code"] is before["require_invite_code"]
    assert body["updated_by"] == admin["id"]
    assert body["updated_at"].endswith("+00:00")
    stored = await stored_settings(db)
    assert stored["internal_tester_emails"]["value"] == sorted({tester, "qa@example.com"})
    assert stored["self_serve_enabled"]["updated_by"] == uuid.UUID(admin["id"])
    assert stored["email_verification_enabled"]["updated_by"] != uuid.UUID(admin["id"])
    audited = [
        entry
        for key in ("self_serve_enabled", "internal_tester_emails", "email_verification_enabled")
        for entry in await audit_of(db, "runtime_setting", key)
        if entry["actor_id"] == uuid.UUID(admin["id"])
    ]
    assert [(e["action"], e["details"]["after"]) for e in audited] == [
        ("settings.update", {"self_serve_enabled": not before["self_serve_enabled"]}),
        ("settings.update", {"internal_tester_emails": sorted({tester, "qa@example.com"})}),
    ]
    [event] = await events_of(db, "identity.settings.changed", changed_by=admin["id"])
    assert event["data"]["changed"] == {
        "self_serve_enabled": {"old": before["self_serve_enabled"], "new": not before["self_serve_enabled"]},
        "internal_tester_emails": {
            "old": before["internal_tester_emails"],
            "new": sorted({tester, "qa@example.com"}),
        },
    }
    assert event["data"]["settings"] == {
        "self_serve_enabled": not before["self_serve_enabled"],
        "require_invite_code": before["require_invite_code"],
        "internal_tester_emails": sorted({tester, "qa@example.com"}),
        "email_verification_enabled": before["email_verification_enabled"],
    }


async def test_a_patch_takes_effect_on_the_next_request_without_restart(
    client: httpx.AsyncClient, db: SessionFactory, restore_settings: None
) -> None:
    _, headers = await new_admin(client, db)

    response = await client.patch(
        "/api/v1/admin/settings", headers=headers, json={"require_invite_code": True, "self_serve_enabled": False}
    )
    assert response.status_code == 200, response.text

    refused = await register(client, new_email())
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Invite code is required"}


async def test_patch_that_changes_nothing_writes_no_audit_and_no_event(
    client: httpx.AsyncClient, db: SessionFactory, restore_settings: None
) -> None:
    admin, headers = await new_admin(client, db)
    before = (await client.get("/api/v1/admin/settings", headers=headers)).json()

    response = await client.patch(
        "/api/v1/admin/settings", headers=headers, json={"require_invite_code": before["require_invite_code"]}
    )

    assert response.status_code == 200
    assert response.json() == before
    assert await events_of(db, "identity.settings.changed", changed_by=admin["id"]) == []
    assert await rows(db, "SELECT 1 FROM audit_log WHERE actor_id = :id", id=uuid.UUID(admin["id"])) == []


@pytest.mark.parametrize(
    "body",
    [
        {"internal_tester_emails": ["ok@example.com", "not-an-email"]},
        {"self_serve_enabled": "yes"},
        {"self_serve_enabled": None},
        {"unknown_setting": True},
    ],
)
async def test_patch_with_bad_input_is_422_and_changes_nothing(
    client: httpx.AsyncClient, db: SessionFactory, body: dict[str, Any]
) -> None:
    _, headers = await new_admin(client, db)
    before = await stored_settings(db)

    response = await client.patch("/api/v1/admin/settings", headers=headers, json=body)

    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    assert await stored_settings(db) == before


async def test_settings_routes_refuse_a_user_who_is_not_super_admin(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    user = await registered_user(client)
    headers = await bearer_for(client, user["email"])
    before = await stored_settings(db)

    read = await client.get("/api/v1/admin/settings", headers=headers)
    write = await client.patch("/api/v1/admin/settings", headers=headers, json={"self_serve_enabled": True})

    assert (read.status_code, read.json()) == (403, {"detail": "Not enough permissions"})
    assert (write.status_code, write.json()) == (403, {"detail": "Not enough permissions"})
    assert await stored_settings(db) == before


async def test_a_demoted_admin_whose_token_still_says_super_admin_is_refused(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    admin, headers = await new_admin(client, db)
    await set_super_admin(db, admin["id"], False)

    response = await client.patch("/api/v1/admin/settings", headers=headers, json={"self_serve_enabled": True})

    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
    assert await events_of(db, "identity.settings.changed", changed_by=admin["id"]) == []


async def test_settings_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/admin/settings")

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


async def test_public_config_for_an_anonymous_caller_is_the_flag_itself(
    client: httpx.AsyncClient, db: SessionFactory, restore_settings: None
) -> None:
    await set_runtime_setting(db, "self_serve_enabled", "false")
    off = await client.get("/api/v1/config/public")
    await set_runtime_setting(db, "self_serve_enabled", "true")
    on = await client.get("/api/v1/config/public")

    assert off.status_code == 200
    assert off.json() == {"self_serve_enabled": False, "oauth_providers": []}
    assert on.json() == {"self_serve_enabled": True, "oauth_providers": []}


async def test_public_config_treats_an_invalid_token_as_anonymous(
    client: httpx.AsyncClient, db: SessionFactory, restore_settings: None
) -> None:
    await set_runtime_setting(db, "self_serve_enabled", "false")

    garbage = await client.get("/api/v1/config/public", headers={"Authorization": "Bearer not.a.token"})
    wrong_scheme = await client.get("/api/v1/config/public", headers={"Authorization": "Basic abc"})

    assert garbage.status_code == 200
    assert garbage.json()["self_serve_enabled"] is False
    assert wrong_scheme.status_code == 200


async def test_public_config_shows_self_serve_to_a_tester_with_a_valid_token(
    client: httpx.AsyncClient, db: SessionFactory, restore_settings: None
) -> None:
    tester = await registered_user(client)
    stranger = await registered_user(client)
    await set_runtime_setting(db, "self_serve_enabled", "false")
    await set_runtime_setting(db, "internal_tester_emails", json.dumps([tester["email"]]))

    for_tester = await client.get("/api/v1/config/public", headers=await bearer_for(client, tester["email"]))
    for_stranger = await client.get("/api/v1/config/public", headers=await bearer_for(client, stranger["email"]))

    assert for_tester.json() == {"self_serve_enabled": True, "oauth_providers": []}
    assert for_stranger.json() == {"self_serve_enabled": False, "oauth_providers": []}


async def test_beta_signup_redirects_to_register_whatever_the_body(client: httpx.AsyncClient) -> None:
    empty = await client.post("/api/v1/beta-signup")
    broken = await client.post(
        "/api/v1/beta-signup", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    for response in (empty, broken):
        assert response.status_code == 307
        assert response.headers["location"] == f"{FRONTEND_URL}/register?from=beta"


async def test_public_config_lists_the_configured_oauth_providers_google_first(
    app: Any, client: httpx.AsyncClient
) -> None:
    original = app.state.identity
    configured = original.settings.model_copy(update={"ms_client_id": "ms-client", "google_client_id": "g-client"})
    app.state.identity = dataclasses.replace(original, settings=configured)
    try:
        response = await client.get("/api/v1/config/public")
    finally:
        app.state.identity = original

    assert response.json()["oauth_providers"] == ["google", "microsoft"]
