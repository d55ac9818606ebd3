"""Values the database cannot hold (a NUL character in text, an integer beyond its range) are 422, never 500,
and leave nothing stored."""

import httpx
from admin_support import new_admin, new_email, rows
from conftest import PASSWORD

from shared.db import SessionFactory


async def test_nul_character_in_login_email_is_422(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/v1/auth/login/json", json={"email": "a\x00b@example.com", "password": "x"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["type"] == "value_error"


async def test_nul_character_in_a_registered_name_is_422_and_nothing_is_stored(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    email = new_email("nul")
    answer = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Dana\x00Shop"}
    )
    assert 400 <= answer.status_code < 500, answer.text
    assert await rows(db, "SELECT id FROM users WHERE email = :email", email=email) == []


async def test_admin_user_search_with_nul_or_huge_offset_is_422(client: httpx.AsyncClient, db: SessionFactory) -> None:
    _, headers = await new_admin(client, db)
    nul = await client.get("/api/v1/admin/users", headers=headers, params={"email": "a\x00"})
    huge = await client.get("/api/v1/admin/accounts", headers=headers, params={"offset": str(10**30)})
    assert nul.status_code == 422, nul.text
    assert huge.status_code == 422, huge.text
    assert huge.json()["detail"][0]["loc"] == ["query", "offset"]
