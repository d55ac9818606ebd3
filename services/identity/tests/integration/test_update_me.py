import uuid
from typing import Any

import httpx
import pytest
from sessions_support import bearer, execute, rows, signed_in

from shared.db import SessionFactory


async def patch_me(client: httpx.AsyncClient, access_token: str, body: Any) -> httpx.Response:
    return await client.patch("/api/v1/users/me", headers=bearer(access_token), json=body)


async def stored_profile(db: SessionFactory, user_id: str) -> dict[str, Any]:
    [row] = await rows(
        db, "SELECT name, timezone, avatar_url, updated_at FROM users WHERE id = :u", u=uuid.UUID(user_id)
    )
    return row


async def test_patching_me_changes_name_timezone_and_avatar(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)

    response = await patch_me(
        client,
        pair["access_token"],
        {"name": "  Grace Hopper ", "timezone": "America/New_York", "avatar_url": "https://cdn.example.com/a.png"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Grace Hopper"
    assert body["timezone"] == "America/New_York"
    assert body["avatar_url"] == "https://cdn.example.com/a.png"
    assert body["updated_at"] >= user["updated_at"]
    assert {k: v for k, v in body.items() if k not in {"name", "timezone", "avatar_url", "updated_at"}} == {
        k: v for k, v in user.items() if k not in {"name", "timezone", "avatar_url", "updated_at"}
    }
    stored = await stored_profile(db, user["id"])
    assert (stored["name"], stored["timezone"], stored["avatar_url"]) == (
        "Grace Hopper",
        "America/New_York",
        "https://cdn.example.com/a.png",
    )
    me = await client.get("/api/v1/auth/me", headers=bearer(pair["access_token"]))
    assert me.json() == body


async def test_patching_me_changes_only_the_fields_given_and_null_removes_the_avatar(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await patch_me(client, pair["access_token"], {"timezone": "Europe/Paris", "avatar_url": "http://x.example/a"})

    response = await patch_me(client, pair["access_token"], {"avatar_url": None})

    assert response.status_code == 200
    assert response.json()["avatar_url"] is None
    assert response.json()["timezone"] == "Europe/Paris"
    assert response.json()["name"] == user["name"]
    stored = await stored_profile(db, user["id"])
    assert (stored["name"], stored["timezone"], stored["avatar_url"]) == (user["name"], "Europe/Paris", None)


async def test_an_empty_patch_changes_nothing(client: httpx.AsyncClient, db: SessionFactory, email: str) -> None:
    user, pair = await signed_in(client, email)
    before = await stored_profile(db, user["id"])

    response = await patch_me(client, pair["access_token"], {})

    assert response.status_code == 200
    assert response.json() == user
    assert await stored_profile(db, user["id"]) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": None}, "name"),
        ({"avatar_url": "not a url"}, "avatar_url"),
        ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"avatar_url": "ftp://files.example.com/a.png"}, "avatar_url"),
        ({"avatar_url": "https://example.com/" + "a" * 481}, "avatar_url"),
    ],
)
async def test_bad_profile_fields_are_422_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient, db: SessionFactory, email: str, body: dict[str, Any], field: str
) -> None:
    user, pair = await signed_in(client, email)
    before = await stored_profile(db, user["id"])

    response = await patch_me(client, pair["access_token"], {"name": "Valid Name", **body})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]
    assert await stored_profile(db, user["id"]) == before


async def test_a_500_character_avatar_url_is_accepted(client: httpx.AsyncClient, email: str) -> None:
    _, pair = await signed_in(client, email)
    url = "https://example.com/" + "a" * 480

    response = await patch_me(client, pair["access_token"], {"avatar_url": url})

    assert response.status_code == 200
    assert response.json()["avatar_url"] == url


async def test_patching_me_needs_an_access_token_of_an_active_user(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    anonymous = await client.patch("/api/v1/users/me", json={"name": "Eve"})
    by_refresh_token = await patch_me(client, pair["refresh_token"], {"name": "Eve"})
    await execute(db, "UPDATE users SET is_active = false WHERE id = :u", u=uuid.UUID(user["id"]))
    inactive = await patch_me(client, pair["access_token"], {"name": "Eve"})

    assert anonymous.status_code == 401
    assert by_refresh_token.status_code == 401
    assert inactive.status_code == 403
    assert (await stored_profile(db, user["id"]))["name"] == user["name"]
