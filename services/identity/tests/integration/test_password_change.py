import uuid

import httpx
from conftest import PASSWORD, login
from sessions_support import bearer, execute, make_oauth_only, refresh_rows, rows, signed_in

from shared.db import SessionFactory

NEW_PASSWORD = "Brand-new-Secret-7"


async def change(client: httpx.AsyncClient, access_token: str, current: str, new: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/password/change",
        headers=bearer(access_token),
        json={"current_password": current, "new_password": new},
    )


async def test_changing_the_password_answers_a_new_family_and_revokes_every_older_session(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, first = await signed_in(client, email)
    second = (await login(client, email)).json()
    [before] = await rows(db, "SELECT password_hash FROM users WHERE id = :u", u=uuid.UUID(user["id"]))

    response = await change(client, first["access_token"], PASSWORD, NEW_PASSWORD)

    assert response.status_code == 200, response.text
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type"}
    assert pair["token_type"] == "bearer"
    stored = await refresh_rows(db, user["id"])
    assert [r["revoked_reason"] for r in stored] == ["password_changed", "password_changed", None]
    assert stored[2]["family_id"] not in {stored[0]["family_id"], stored[1]["family_id"]}
    [after] = await rows(db, "SELECT password_hash FROM users WHERE id = :u", u=uuid.UUID(user["id"]))
    assert after["password_hash"] != before["password_hash"]
    assert after["password_hash"].startswith("$argon2id$")
    for old in (first, second):
        refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
        assert refused.json() == {"detail": {"error": "refresh_token_revoked"}}
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 200
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    assert (await login(client, email, PASSWORD)).status_code == 401


async def test_a_wrong_current_password_is_401_and_changes_nothing(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)

    response = await change(client, pair["access_token"], "Not-the-password-1", NEW_PASSWORD)

    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect current password"}
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == [None]
    assert (await login(client, email)).status_code == 200


async def test_wrong_current_passwords_count_towards_the_login_lockout(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    _, pair = await signed_in(client, email)

    for _ in range(5):
        assert (await change(client, pair["access_token"], "Not-the-password-1", NEW_PASSWORD)).status_code == 401
    locked = await change(client, pair["access_token"], PASSWORD, NEW_PASSWORD)

    assert locked.status_code == 429
    assert locked.json()["detail"]["error"] == "too_many_attempts"
    assert int(locked.headers["retry-after"]) > 0
    [attempt] = await rows(db, "SELECT failed_count FROM login_attempts WHERE email = :e", e=email)
    assert attempt["failed_count"] == 5


async def test_an_oauth_only_user_is_told_to_use_the_provider(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await make_oauth_only(db, user["id"], email, "microsoft")

    response = await change(client, pair["access_token"], PASSWORD, NEW_PASSWORD)

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "use_oauth_provider", "providers": ["microsoft"]}}
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == [None]


async def test_a_new_password_breaking_the_rules_is_422_naming_the_field(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)

    response = await change(client, pair["access_token"], PASSWORD, "weak")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == [None]


async def test_changing_the_password_needs_an_access_token_of_an_active_user(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)

    anonymous = await client.post(
        "/api/v1/auth/password/change", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    by_refresh_token = await change(client, pair["refresh_token"], PASSWORD, NEW_PASSWORD)
    await execute(db, "UPDATE users SET is_active = false WHERE id = :u", u=uuid.UUID(user["id"]))
    inactive = await change(client, pair["access_token"], PASSWORD, NEW_PASSWORD)

    assert anonymous.status_code == 401
    assert by_refresh_token.status_code == 401
    assert inactive.status_code == 403
    assert inactive.json() == {"detail": "Inactive user"}
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == [None]
