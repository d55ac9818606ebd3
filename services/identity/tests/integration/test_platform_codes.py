"""Platform invite codes for super admins (api.md §3.6) and their redemption at register."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from admin_support import audit_of, bearer_for, events_of, new_admin, new_email, registered_user, rows
from conftest import FRONTEND_URL, register

from shared.db import SessionFactory

CODE_FIELDS = {
    "id", "code", "assigned_plan", "trial_duration_days", "email", "note", "expires_at", "created_at",
    "created_by_id", "used_by", "used_at", "is_active",
}  # fmt: skip


async def create_code(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/invites", headers=headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_code_answers_201_stores_audits_and_announces_it(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    admin, headers = await new_admin(client, db)
    expires = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)

    response = await client.post(
        "/api/v1/invites",
        headers=headers,
        json={
            "assigned_plan": "starter",
            "trial_duration_days": 30,
            "email": "  Pilot@Example.com ",
            "note": "pilot shop",
            "expires_at": expires.isoformat(),
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CODE_FIELDS
    assert re.fullmatch(r"[A-Z0-9]{12}", body["code"])
    assert body["assigned_plan"] == "starter"
    assert body["trial_duration_days"] == 30
    assert body["email"] == "pilot@example.com"
    assert body["note"] == "pilot shop"
    assert datetime.fromisoformat(body["expires_at"]) == expires
    assert body["created_by_id"] == admin["id"]
    assert body["is_active"] is True
    assert body["used_by"] is None
    assert body["used_at"] is None
    [row] = await rows(db, "SELECT * FROM invite_codes WHERE id = :id", id=uuid.UUID(body["id"]))
    assert row["code"] == body["code"]
    assert row["created_by_id"] == uuid.UUID(admin["id"])
    [entry] = await audit_of(db, "invite_code", body["id"])
    assert entry["action"] == "invite_code.create"
    assert entry["actor_id"] == uuid.UUID(admin["id"])
    assert body["code"] not in str(entry["details"])
    [event] = await events_of(db, "identity.invite_code.created", invite_code_id=body["id"])
    assert event["data"] == {
        "invite_code_id": body["id"],
        "code": body["code"],
        "email": "pilot@example.com",
        "assigned_plan": "starter",
        "trial_duration_days": 30,
        "expires_at": event["data"]["expires_at"],
        "register_url": f"{FRONTEND_URL}/register?invite_code={body['code']}",
    }
    assert datetime.fromisoformat(event["data"]["expires_at"]) == expires


async def test_create_code_defaults_to_free_without_trial_or_expiry(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)

    body = await create_code(client, headers)

    assert body["assigned_plan"] == "free"
    assert body["trial_duration_days"] is None
    assert body["email"] is None
    assert body["expires_at"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"assigned_plan": "free", "trial_duration_days": 7},
        {"trial_duration_days": 7},
        {"assigned_plan": "pro", "trial_duration_days": 0},
        {"assigned_plan": "pro", "trial_duration_days": 91},
        {"assigned_plan": "platinum"},
        {"email": "not-an-email"},
        {"note": "x" * 256},
        {"expires_at": "2020-01-01T00:00:00+00:00"},
        {"expires_at": "tomorrow"},
    ],
)
async def test_create_code_with_bad_input_is_422_and_creates_nothing(
    client: httpx.AsyncClient, db: SessionFactory, payload: dict[str, Any]
) -> None:
    admin, headers = await new_admin(client, db)

    response = await client.post("/api/v1/invites", headers=headers, json=payload)

    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)
    assert await rows(db, "SELECT 1 FROM invite_codes WHERE created_by_id = :id", id=uuid.UUID(admin["id"])) == []


async def test_list_codes_is_newest_first_and_filters_on_used(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    first = await create_code(client, headers, assigned_plan="pro")
    second = await create_code(client, headers, assigned_plan="pro")
    used = await register(client, new_email(), invite_code=first["code"].lower())
    assert used.status_code == 201, used.text

    everything = await client.get("/api/v1/invites", headers=headers)
    only_used = await client.get("/api/v1/invites", headers=headers, params={"used": "true"})
    unused = await client.get("/api/v1/invites", headers=headers, params={"used": "false"})

    assert everything.status_code == 200
    ids = [c["id"] for c in everything.json()]
    assert ids.index(second["id"]) < ids.index(first["id"])
    created = [c["created_at"] for c in everything.json()]
    assert created == sorted(created, reverse=True)
    assert first["id"] in [c["id"] for c in only_used.json()]
    assert all(c["used_at"] is not None for c in only_used.json())
    assert next(c for c in only_used.json() if c["id"] == first["id"])["used_by"] == used.json()["id"]
    assert second["id"] in [c["id"] for c in unused.json()]
    assert all(c["used_at"] is None for c in unused.json())


async def test_delete_code_deactivates_it_so_register_refuses_it(client: httpx.AsyncClient, db: SessionFactory) -> None:
    admin, headers = await new_admin(client, db)
    code = await create_code(client, headers, assigned_plan="pro")

    response = await client.delete(f"/api/v1/invites/{code['id']}", headers=headers)

    assert response.status_code == 204
    assert response.content == b""
    [row] = await rows(db, "SELECT is_active FROM invite_codes WHERE id = :id", id=uuid.UUID(code["id"]))
    assert row["is_active"] is False
    entries = await audit_of(db, "invite_code", code["id"])
    assert [e["action"] for e in entries] == ["invite_code.create", "invite_code.deactivate"]
    assert entries[1]["details"]["after"]["is_active"] is False
    assert entries[1]["actor_id"] == uuid.UUID(admin["id"])
    refused = await register(client, new_email(), invite_code=code["code"])
    assert (refused.status_code, refused.json()) == (400, {"detail": "Invalid invite code"})
    again = await client.delete(f"/api/v1/invites/{code['id']}", headers=headers)
    assert again.status_code == 204
    assert len(await audit_of(db, "invite_code", code["id"])) == 2


async def test_delete_of_an_unknown_code_is_404(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)

    response = await client.delete(f"/api/v1/invites/{uuid.uuid4()}", headers=headers)

    assert (response.status_code, response.json()) == (404, {"detail": "Invite code not found"})


async def test_delete_of_a_used_code_is_400_and_keeps_it_active(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    code = await create_code(client, headers, assigned_plan="pro")
    assert (await register(client, new_email(), invite_code=code["code"])).status_code == 201

    response = await client.delete(f"/api/v1/invites/{code['id']}", headers=headers)

    assert (response.status_code, response.json()) == (400, {"detail": "Invite code has already been used"})
    [row] = await rows(db, "SELECT is_active FROM invite_codes WHERE id = :id", id=uuid.UUID(code["id"]))
    assert row["is_active"] is True


async def test_register_matches_a_code_case_insensitively_and_carries_its_plan(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)
    code = await create_code(client, headers, assigned_plan="starter", trial_duration_days=30)

    response = await register(client, new_email(), invite_code=f" {code['code'].lower()} ")

    assert response.status_code == 201, response.text
    [event] = await events_of(db, "identity.account.created", owner_id=response.json()["id"])
    assert event["data"]["platform_invite"] == {
        "invite_code_id": code["id"],
        "assigned_plan": "starter",
        "trial_duration_days": 30,
    }


async def test_invite_code_routes_refuse_a_user_who_is_not_super_admin(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    user = await registered_user(client)
    headers = await bearer_for(client, user["email"])

    created = await client.post("/api/v1/invites", headers=headers, json={})
    listed = await client.get("/api/v1/invites", headers=headers)
    deleted = await client.delete(f"/api/v1/invites/{uuid.uuid4()}", headers=headers)

    for response in (created, listed, deleted):
        assert (response.status_code, response.json()) == (403, {"detail": "Not enough permissions"})
    assert await rows(db, "SELECT 1 FROM invite_codes WHERE created_by_id = :id", id=uuid.UUID(user["id"])) == []
