"""Members of an account: list, role changes and ownership transfer (api.md §3.4)."""

import uuid

import httpx
from conftest import PASSWORD
from sqlalchemy import text
from teams import audit_of, events_about, new_owner, rows, teammate

from shared.db import SessionFactory, transaction

MEMBER_FIELDS = {"id", "email", "name", "account_role", "is_active", "email_verified_at", "created_at"}


async def role_of(db: SessionFactory, user_id: str) -> str:
    [row] = await rows(db, "SELECT account_role FROM users WHERE id = :id", id=uuid.UUID(user_id))
    return str(row["account_role"])


async def owner_of(db: SessionFactory, account_id: str) -> str:
    [row] = await rows(db, "SELECT owner_id FROM accounts WHERE id = :id", id=uuid.UUID(account_id))
    return str(row["owner_id"])


async def transferred_events(db: SessionFactory, account_id: str) -> list[dict[str, object]]:
    found = await events_about(db, "account_id", account_id)
    return [e["data"] for e in found if e["type"] == "identity.account.ownership_transferred"]


async def test_members_are_listed_in_join_order_to_every_member(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)
    admin = await teammate(client, owner, role="admin", name="Ann Admin")
    viewer = await teammate(client, owner, role="viewer", name="Vic Viewer")
    await new_owner(client)  # another shop, never listed

    for member in (owner, admin, viewer):
        response = await client.get("/api/v1/accounts/me/members", headers=member.headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert [m["id"] for m in body] == [owner.id, admin.id, viewer.id]
        assert all(set(m) == MEMBER_FIELDS for m in body)
        assert [m["account_role"] for m in body] == ["owner", "admin", "viewer"]
        assert body[1] == {
            "id": admin.id,
            "email": admin.email,
            "name": "Ann Admin",
            "account_role": "admin",
            "is_active": True,
            "email_verified_at": None,
            "created_at": admin.user["created_at"],
        }


async def test_owner_changes_a_members_role_and_it_is_audited(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    member = await teammate(client, owner, role="engineer")

    response = await client.patch(
        f"/api/v1/accounts/me/members/{member.id}", json={"account_role": "viewer"}, headers=owner.headers
    )

    assert response.status_code == 200, response.text
    assert set(response.json()) == MEMBER_FIELDS
    assert response.json()["account_role"] == "viewer"
    assert await role_of(db, member.id) == "viewer"
    [entry] = await audit_of(db, member.id)
    assert entry["action"] == "account.member_role_change"
    assert entry["actor_id"] == uuid.UUID(owner.id)
    assert entry["details"]["before"] == {"account_role": "engineer"}
    assert entry["details"]["after"] == {"account_role": "viewer"}


async def test_only_the_owner_changes_roles(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    admin = await teammate(client, owner, role="admin")
    engineer = await teammate(client, owner, role="engineer")

    response = await client.patch(
        f"/api/v1/accounts/me/members/{engineer.id}", json={"account_role": "admin"}, headers=admin.headers
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the account owner can do this"}
    assert await role_of(db, engineer.id) == "engineer"


async def test_the_owner_role_moves_only_by_transfer(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    admin = await teammate(client, owner, role="admin")

    promote = await client.patch(
        f"/api/v1/accounts/me/members/{admin.id}", json={"account_role": "owner"}, headers=owner.headers
    )
    demote_self = await client.patch(
        f"/api/v1/accounts/me/members/{owner.id}", json={"account_role": "admin"}, headers=owner.headers
    )

    for response in (promote, demote_self):
        assert response.status_code == 400
        assert response.json() == {"detail": "Use transfer-ownership to change the owner"}
    assert await role_of(db, admin.id) == "admin"
    assert await role_of(db, owner.id) == "owner"


async def test_an_unknown_role_is_422(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)
    member = await teammate(client, owner)

    for body in ({"account_role": "superuser"}, {}):
        response = await client.patch(f"/api/v1/accounts/me/members/{member.id}", json=body, headers=owner.headers)
        assert response.status_code == 422


async def test_another_accounts_user_is_member_not_found(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    other_owner = await new_owner(client)
    stranger = await teammate(client, other_owner, role="engineer")

    for target in (stranger.id, other_owner.id, str(uuid.uuid4())):
        response = await client.patch(
            f"/api/v1/accounts/me/members/{target}", json={"account_role": "viewer"}, headers=owner.headers
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "Member not found"}
    assert await role_of(db, stranger.id) == "engineer"
    assert await role_of(db, other_owner.id) == "owner"


async def test_owner_transfers_ownership_with_their_password(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    heir = await teammate(client, owner, role="engineer")

    response = await client.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": heir.id, "password": PASSWORD},
        headers=owner.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == heir.id
    assert response.json()["id"] == owner.account_id
    assert await owner_of(db, owner.account_id) == heir.id
    assert await role_of(db, heir.id) == "owner"
    assert await role_of(db, owner.id) == "admin"
    assert await transferred_events(db, owner.account_id) == [
        {
            "account_id": owner.account_id,
            "previous_owner_id": owner.id,
            "new_owner_id": heir.id,
            "new_owner_email": heir.email,
        }
    ]
    [entry] = await audit_of(db, owner.account_id)
    assert entry["action"] == "account.transfer_ownership"
    assert entry["actor_id"] == uuid.UUID(owner.id)
    assert entry["details"]["after"]["owner_id"] == heir.id
    assert PASSWORD not in str(entry["details"])


async def test_after_a_transfer_the_previous_owner_is_an_admin_at_once(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)
    heir = await teammate(client, owner, role="viewer")
    await client.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": heir.id, "password": PASSWORD},
        headers=owner.headers,
    )

    # the old token still says "owner"; identity reads the role fresh
    as_old_owner = await client.get("/api/v1/accounts/me/invites", headers=owner.headers)
    as_new_owner = await client.get("/api/v1/accounts/me/invites", headers=heir.headers)
    renamed_by_admin = await client.patch("/api/v1/accounts/me", json={"name": "Still Mine"}, headers=owner.headers)

    assert as_old_owner.status_code == 403
    assert as_new_owner.status_code == 200
    assert renamed_by_admin.status_code == 200


async def test_a_wrong_or_missing_password_refuses_the_transfer(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    heir = await teammate(client, owner)

    for password in ("Wrong-password-1", None):
        response = await client.post(
            "/api/v1/accounts/me/transfer-ownership",
            json={"new_owner_id": heir.id, "password": password},
            headers=owner.headers,
        )
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect password"}
    assert await owner_of(db, owner.account_id) == owner.id
    assert await role_of(db, heir.id) == "engineer"
    assert await transferred_events(db, owner.account_id) == []
    assert await audit_of(db, owner.account_id) == []


async def test_an_oauth_only_owner_transfers_without_a_password(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    heir = await teammate(client, owner)
    async with transaction(db) as session:
        await session.execute(text("UPDATE users SET password_hash = NULL WHERE id = :id"), {"id": uuid.UUID(owner.id)})

    response = await client.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": heir.id, "password": None},
        headers=owner.headers,
    )

    assert response.status_code == 200, response.text
    assert await owner_of(db, owner.account_id) == heir.id


async def test_transferring_to_yourself_is_400(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)

    response = await client.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": owner.id, "password": PASSWORD},
        headers=owner.headers,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "You already own this account"}
    assert await transferred_events(db, owner.account_id) == []


async def test_only_the_owner_transfers_ownership(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    admin = await teammate(client, owner, role="admin")

    response = await client.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": admin.id, "password": PASSWORD},
        headers=admin.headers,
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the account owner can do this"}
    assert await owner_of(db, owner.account_id) == owner.id


async def test_ownership_cannot_go_to_another_accounts_user(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    other_owner = await new_owner(client)
    stranger = await teammate(client, other_owner)

    for target in (stranger.id, other_owner.id, str(uuid.uuid4())):
        response = await client.post(
            "/api/v1/accounts/me/transfer-ownership",
            json={"new_owner_id": target, "password": PASSWORD},
            headers=owner.headers,
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "Member not found"}
    assert await owner_of(db, owner.account_id) == owner.id
    assert await owner_of(db, other_owner.account_id) == other_owner.id
    assert await role_of(db, stranger.id) == "engineer"


async def test_ownership_cannot_go_to_a_deactivated_member(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    heir = await teammate(client, owner)
    async with transaction(db) as session:
        await session.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": uuid.UUID(heir.id)})

    response = await client.post(
        "/api/v1/accounts/me/transfer-ownership",
        json={"new_owner_id": heir.id, "password": PASSWORD},
        headers=owner.headers,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot transfer ownership to an inactive member"}
    assert await owner_of(db, owner.account_id) == owner.id


async def test_a_malformed_transfer_request_is_422(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)

    for body in ({"new_owner_id": "not-a-uuid", "password": PASSWORD}, {"password": PASSWORD}):
        response = await client.post("/api/v1/accounts/me/transfer-ownership", json=body, headers=owner.headers)
        assert response.status_code == 422
