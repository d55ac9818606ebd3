"""Users and accounts for super admins (api.md §3.8)."""

import uuid
from typing import Any

import httpx
import pytest
from admin_support import audit_of, bearer_for, new_admin, new_email, registered_user, rows
from conftest import login

from shared.db import SessionFactory


async def test_list_users_filters_by_email_substring_case_insensitively(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)
    tag = uuid.uuid4().hex[:10]
    first = await registered_user(client, f"ann-{tag}@example.com")
    second = await registered_user(client, f"bob-{tag}@example.com")

    response = await client.get("/api/v1/admin/users", headers=headers, params={"email": tag.upper()})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert [u["id"] for u in body["items"]] == [second["id"], first["id"]]
    assert body["items"][1] == first | {"updated_at": body["items"][1]["updated_at"]}


async def test_list_users_filters_by_account_and_pages(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    user = await registered_user(client)

    by_account = await client.get("/api/v1/admin/users", headers=headers, params={"account_id": user["account_id"]})
    page = await client.get("/api/v1/admin/users", headers=headers, params={"limit": 1, "offset": 1})

    assert by_account.json() == {"items": [by_account.json()["items"][0]], "total": 1}
    assert by_account.json()["items"][0]["id"] == user["id"]
    assert len(page.json()["items"]) == 1
    assert page.json()["total"] >= 3


async def test_list_users_treats_like_wildcards_literally(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)

    response = await client.get("/api/v1/admin/users", headers=headers, params={"email": "%"})

    assert response.json() == {"items": [], "total": 0}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"account_id": "nope"}])
async def test_list_users_with_bad_paging_is_422(
    client: httpx.AsyncClient, db: SessionFactory, params: dict[str, Any]
) -> None:
    _, headers = await new_admin(client, db)

    response = await client.get("/api/v1/admin/users", headers=headers, params=params)

    assert response.status_code == 422


async def test_get_user_answers_the_user_or_404(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    user = await registered_user(client)

    found = await client.get(f"/api/v1/admin/users/{user['id']}", headers=headers)
    missing = await client.get(f"/api/v1/admin/users/{uuid.uuid4()}", headers=headers)

    assert found.status_code == 200
    assert found.json()["email"] == user["email"]
    assert (missing.status_code, missing.json()) == (404, {"detail": "User not found"})


async def test_deactivating_a_user_revokes_every_refresh_token_and_is_audited(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    admin, headers = await new_admin(client, db)
    user = await registered_user(client)
    refresh = (await login(client, user["email"])).json()["refresh_token"]
    await login(client, user["email"])

    response = await client.patch(f"/api/v1/admin/users/{user['id']}", headers=headers, json={"is_active": False})

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    tokens = await rows(db, "SELECT revoked_reason FROM refresh_tokens WHERE user_id = :id", id=uuid.UUID(user["id"]))
    assert [t["revoked_reason"] for t in tokens] == ["admin", "admin"]
    [entry] = await audit_of(db, "user", user["id"])
    assert entry["action"] == "user.update"
    assert entry["actor_id"] == uuid.UUID(admin["id"])
    assert entry["details"] == {"before": {"is_active": True}, "after": {"is_active": False}}
    refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert refused.status_code == 401
    assert (await login(client, user["email"])).json() == {"detail": "Inactive user"}


async def test_promoting_a_user_makes_them_a_super_admin_at_next_login(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)
    user = await registered_user(client)

    response = await client.patch(
        f"/api/v1/admin/users/{user['id']}", headers=headers, json={"is_super_admin": True, "is_active": True}
    )

    assert response.status_code == 200
    assert response.json()["is_super_admin"] is True
    [entry] = await audit_of(db, "user", user["id"])
    assert entry["details"] == {
        "before": {"is_active": True, "is_super_admin": False},
        "after": {"is_active": True, "is_super_admin": True},
    }
    promoted = await bearer_for(client, user["email"])
    assert (await client.get("/api/v1/admin/settings", headers=promoted)).status_code == 200


@pytest.mark.parametrize("body", [{"is_super_admin": False}, {"is_active": False}])
async def test_an_admin_cannot_demote_or_deactivate_themself(
    client: httpx.AsyncClient, db: SessionFactory, body: dict[str, bool]
) -> None:
    admin, headers = await new_admin(client, db)

    response = await client.patch(f"/api/v1/admin/users/{admin['id']}", headers=headers, json=body)

    assert (response.status_code, response.json()) == (400, {"detail": "Cannot change your own admin status"})
    [row] = await rows(db, "SELECT is_active, is_super_admin FROM users WHERE id = :id", id=uuid.UUID(admin["id"]))
    assert row == {"is_active": True, "is_super_admin": True}
    assert await audit_of(db, "user", admin["id"]) == []


async def test_patch_user_with_bad_input_is_422_and_unknown_user_404(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)
    user = await registered_user(client)

    bad = await client.patch(f"/api/v1/admin/users/{user['id']}", headers=headers, json={"is_active": "no"})
    extra = await client.patch(f"/api/v1/admin/users/{user['id']}", headers=headers, json={"email": "x@example.com"})
    missing = await client.patch(f"/api/v1/admin/users/{uuid.uuid4()}", headers=headers, json={"is_active": False})

    assert bad.status_code == 422
    assert extra.status_code == 422
    assert (missing.status_code, missing.json()) == (404, {"detail": "User not found"})


async def test_list_accounts_matches_name_or_display_code_with_owner_and_member_count(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    _, headers = await new_admin(client, db)
    tag = uuid.uuid4().hex[:10]
    owner = await registered_user(client, name=f"Shop {tag}")
    [account] = await rows(db, "SELECT * FROM accounts WHERE id = :id", id=uuid.UUID(owner["account_id"]))

    by_name = await client.get("/api/v1/admin/accounts", headers=headers, params={"q": tag.upper()})
    by_code = await client.get("/api/v1/admin/accounts", headers=headers, params={"q": account["display_code"].lower()})

    assert by_name.status_code == 200, by_name.text
    assert by_name.json()["total"] == 1
    [item] = by_name.json()["items"]
    assert item == {
        "id": owner["account_id"],
        "name": f"Shop {tag}'s Account",
        "display_code": account["display_code"],
        "owner_id": owner["id"],
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
        "owner_email": owner["email"],
        "member_count": 1,
    }
    assert owner["account_id"] in [a["id"] for a in by_code.json()["items"]]


async def test_list_accounts_pages_newest_first(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    newest = await registered_user(client)

    response = await client.get("/api/v1/admin/accounts", headers=headers, params={"limit": 1})

    assert response.json()["items"][0]["id"] == newest["account_id"]
    assert response.json()["total"] >= 2


async def test_get_account_lists_its_members_or_404(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    owner = await registered_user(client)

    found = await client.get(f"/api/v1/admin/accounts/{owner['account_id']}", headers=headers)
    missing = await client.get(f"/api/v1/admin/accounts/{uuid.uuid4()}", headers=headers)

    assert found.status_code == 200
    body = found.json()
    assert body["owner_id"] == owner["id"]
    assert body["members"] == [
        {
            "id": owner["id"],
            "email": owner["email"],
            "name": owner["name"],
            "account_role": "owner",
            "is_active": True,
            "email_verified_at": None,
            "created_at": owner["created_at"],
        }
    ]
    assert (missing.status_code, missing.json()) == (404, {"detail": "Account not found"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/admin/users"),
        ("GET", f"/api/v1/admin/users/{uuid.uuid4()}"),
        ("PATCH", f"/api/v1/admin/users/{uuid.uuid4()}"),
        ("GET", "/api/v1/admin/accounts"),
        ("GET", f"/api/v1/admin/accounts/{uuid.uuid4()}"),
    ],
)
async def test_admin_user_and_account_routes_refuse_a_user_who_is_not_super_admin(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    user = await registered_user(client, new_email())
    headers = await bearer_for(client, user["email"])

    response = await client.request(method, path, headers=headers, json={"is_active": False})

    assert (response.status_code, response.json()) == (403, {"detail": "Not enough permissions"})
