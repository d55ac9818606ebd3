"""The bootstrap super admin made sure of at start (config.md BOOTSTRAP_ADMIN_*, api.md §3.8)."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from admin_support import audit_of, events_of, new_email, registered_user, rows
from conftest import PASSWORD, login
from pydantic import ValidationError

from identity.admin import bootstrap
from identity.app import _seeder
from identity.settings import IdentitySettings
from shared.db import SessionFactory, transaction
from shared.settings import describe_error


def admin_settings(email: str, password: str = PASSWORD) -> IdentitySettings:
    return IdentitySettings(bootstrap_admin_email=email, bootstrap_admin_password=password)


async def start(app: Any, settings: IdentitySettings) -> None:
    """What the app does at start, with these settings."""
    await _seeder(settings)(app.state.runtime, app)


async def test_start_creates_a_verified_super_admin_through_the_register_path(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    email = new_email("boot")

    await start(app, admin_settings(f"  {email.upper()} "))

    [user] = await rows(db, "SELECT * FROM users WHERE email = :email", email=email)
    assert user["is_super_admin"] is True
    assert user["is_active"] is True
    assert user["account_role"] == "owner"
    assert user["email_verified_at"] is not None
    [account] = await rows(db, "SELECT * FROM accounts WHERE id = :id", id=user["account_id"])
    assert account["name"] == "Platform Admin"
    assert account["owner_id"] == user["id"]
    [created] = await events_of(db, "identity.account.created", owner_id=str(user["id"]))
    assert created["data"]["name"] == "Platform Admin"
    assert created["data"]["platform_invite"] is None
    [registered] = await events_of(db, "identity.user.registered", user_id=str(user["id"]))
    assert registered["data"]["email_verified_at"] is not None
    assert await events_of(db, "identity.email_verification.requested", user_id=str(user["id"])) == []
    [entry] = await audit_of(db, "user", str(user["id"]))
    assert entry["action"] == "user.create"
    assert entry["actor_id"] is None
    tokens = await login(client, email)
    assert tokens.status_code == 200
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    assert (await client.get("/api/v1/admin/settings", headers=headers)).status_code == 200


async def test_starting_twice_leaves_one_admin_and_one_set_of_events(app: Any, db: SessionFactory) -> None:
    email = new_email("boot")

    await start(app, admin_settings(email))
    await start(app, admin_settings(email, password="Another-pass-1"))

    [user] = await rows(db, "SELECT id, password_hash FROM users WHERE email = :email", email=email)
    assert len(await events_of(db, "identity.user.registered", user_id=str(user["id"]))) == 1
    assert len(await rows(db, "SELECT 1 FROM accounts WHERE owner_id = :id", id=user["id"])) == 1


async def test_two_replicas_starting_at_once_make_one_admin(app: Any, db: SessionFactory) -> None:
    email = new_email("boot")
    runtime = app.state.runtime

    async def replica() -> None:
        async with transaction(db) as session:
            await bootstrap.ensure_super_admin(
                session=session, outbox=runtime.outbox, email=email, password=PASSWORD, now=runtime.clock.now()
            )

    await asyncio.gather(replica(), replica(), replica())

    [user] = await rows(db, "SELECT id FROM users WHERE email = :email", email=email)
    assert len(await events_of(db, "identity.account.created", owner_id=str(user["id"]))) == 1


async def test_an_existing_user_is_promoted_not_recreated(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    user = await registered_user(client)

    await start(app, admin_settings(user["email"].upper(), password="Ignored-pass-1"))

    [row] = await rows(db, "SELECT * FROM users WHERE email = :email", email=user["email"])
    assert row["is_super_admin"] is True
    assert row["account_id"] == uuid.UUID(user["account_id"])
    [entry] = await audit_of(db, "user", user["id"])
    assert entry["action"] == "user.update"
    assert entry["details"]["after"] == {"is_super_admin": True}
    assert (await login(client, user["email"])).status_code == 200
    assert len(await events_of(db, "identity.user.registered", user_id=user["id"])) == 1


async def test_start_without_both_settings_makes_no_admin(app: Any, db: SessionFactory) -> None:
    email = new_email("boot")

    await start(app, IdentitySettings(bootstrap_admin_email=email))
    await start(app, IdentitySettings(bootstrap_admin_email="", bootstrap_admin_password=PASSWORD))

    assert await rows(db, "SELECT 1 FROM users WHERE email = :email", email=email) == []


@pytest.mark.parametrize(("email", "password"), [("admin@example.com", "short"), ("not-an-email", PASSWORD)])
def test_a_malformed_bootstrap_setting_refuses_to_load(email: str, password: str) -> None:
    with pytest.raises(ValidationError) as raised:
        admin_settings(email, password)

    line = describe_error(raised.value)
    assert line.startswith("setting BOOTSTRAP_ADMIN_")
    assert password not in line
