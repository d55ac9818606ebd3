"""GET/PATCH /api/v1/accounts/me (api.md §3.4)."""

import uuid

import httpx
from teams import audit_of, events_about, new_owner, rows, teammate

from shared.db import SessionFactory

ACCOUNT_FIELDS = {"id", "name", "display_code", "owner_id", "created_at", "updated_at"}


async def test_a_member_reads_their_own_account(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client, name="Ada Lovelace")
    viewer = await teammate(client, owner, role="viewer")

    for member in (owner, viewer):
        response = await client.get("/api/v1/accounts/me", headers=member.headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == ACCOUNT_FIELDS
        assert body["id"] == owner.account_id
        assert body["name"] == "Ada Lovelace's Account"
        assert body["owner_id"] == owner.id
        assert len(body["display_code"]) == 8
        assert body["created_at"].endswith("+00:00")


async def test_account_routes_without_a_token_are_401(client: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/api/v1/accounts/me"), ("PATCH", "/api/v1/accounts/me")):
        response = await client.request(method, path, json={"name": "x"})
        assert response.status_code == 401
        assert response.json() == {"detail": "Not authenticated"}


async def test_owner_renames_the_account_trimmed_audited_and_announced(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client, name="Ada Lovelace")

    response = await client.patch("/api/v1/accounts/me", json={"name": "  Analytical Engines  "}, headers=owner.headers)

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Analytical Engines"
    [account] = await rows(db, "SELECT name FROM accounts WHERE id = :id", id=uuid.UUID(owner.account_id))
    assert account["name"] == "Analytical Engines"
    renamed = [
        e for e in await events_about(db, "account_id", owner.account_id) if e["type"] == "identity.account.renamed"
    ]
    assert [e["data"] for e in renamed] == [
        {
            "account_id": owner.account_id,
            "name": "Analytical Engines",
            "previous_name": "Ada Lovelace's Account",
            "renamed_by": owner.id,
            "source": "account_settings",
        }
    ]
    [entry] = await audit_of(db, owner.account_id)
    assert entry["action"] == "account.rename"
    assert entry["actor_id"] == uuid.UUID(owner.id)
    assert entry["details"] == {
        "before": {"name": "Ada Lovelace's Account"},
        "after": {"name": "Analytical Engines"},
    }


async def test_an_admin_may_rename_the_account(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    admin = await teammate(client, owner, role="admin")

    response = await client.patch("/api/v1/accounts/me", json={"name": "Admin Named"}, headers=admin.headers)

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Admin Named"
    [event] = [
        e for e in await events_about(db, "account_id", owner.account_id) if e["type"] == "identity.account.renamed"
    ]
    assert event["data"]["renamed_by"] == admin.id


async def test_engineers_and_viewers_cannot_rename_the_account(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client, name="Ada Lovelace")

    for role in ("engineer", "viewer"):
        member = await teammate(client, owner, role=role)
        response = await client.patch("/api/v1/accounts/me", json={"name": "Hijacked"}, headers=member.headers)

        assert response.status_code == 403
        assert response.json() == {"detail": "Only the account owner or an admin can do this"}
    [account] = await rows(db, "SELECT name FROM accounts WHERE id = :id", id=uuid.UUID(owner.account_id))
    assert account["name"] == "Ada Lovelace's Account"
    assert await audit_of(db, owner.account_id) == []


async def test_renaming_to_the_same_name_changes_and_announces_nothing(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client, name="Ada Lovelace")

    response = await client.patch(
        "/api/v1/accounts/me", json={"name": " Ada Lovelace's Account "}, headers=owner.headers
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Ada Lovelace's Account"
    events = await events_about(db, "account_id", owner.account_id)
    assert "identity.account.renamed" not in {e["type"] for e in events}
    assert await audit_of(db, owner.account_id) == []


async def test_a_blank_or_too_long_account_name_is_422(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client, name="Ada Lovelace")

    for body in ({"name": "   "}, {"name": "x" * 256}, {}, {"name": None}):
        response = await client.patch("/api/v1/accounts/me", json=body, headers=owner.headers)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"][:2] == ["body", "name"] or body == {}
    [account] = await rows(db, "SELECT name FROM accounts WHERE id = :id", id=uuid.UUID(owner.account_id))
    assert account["name"] == "Ada Lovelace's Account"


async def test_a_255_character_name_is_accepted(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)

    response = await client.patch("/api/v1/accounts/me", json={"name": "n" * 255}, headers=owner.headers)

    assert response.status_code == 200
    assert response.json()["name"] == "n" * 255


async def test_renaming_touches_only_the_callers_account(client: httpx.AsyncClient, db: SessionFactory) -> None:
    mine = await new_owner(client, name="Mine")
    theirs = await new_owner(client, name="Theirs")

    await client.patch("/api/v1/accounts/me", json={"name": "Renamed"}, headers=mine.headers)

    [other] = await rows(db, "SELECT name FROM accounts WHERE id = :id", id=uuid.UUID(theirs.account_id))
    assert other["name"] == "Theirs's Account"
    seen = (await client.get("/api/v1/accounts/me", headers=theirs.headers)).json()
    assert seen["name"] == "Theirs's Account"
