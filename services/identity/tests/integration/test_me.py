import base64
import json
import uuid
from typing import Any

import httpx
from conftest import login, register
from sqlalchemy import text

from shared.db import SessionFactory, transaction
from shared.testing import TestSigner


async def signed_in(client: httpx.AsyncClient, email: str) -> tuple[dict[str, Any], str]:
    user = (await register(client, email)).json()
    token = (await login(client, email)).json()["access_token"]
    return user, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_me_with_a_token_answers_the_user(client: httpx.AsyncClient, email: str) -> None:
    user, token = await signed_in(client, email)

    for path in ("/api/v1/auth/me", "/api/v1/users/me"):
        response = await client.get(path, headers=bearer(token))
        assert response.status_code == 200
        assert response.json() == user


async def test_me_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


async def test_me_with_a_tampered_token_is_401(client: httpx.AsyncClient, email: str) -> None:
    _, token = await signed_in(client, email)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["is_super_admin"] = True
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    for bad in (f"{header}.{forged}.{signature}", "not-a-jwt", TestSigner().access_token()):
        response = await client.get("/api/v1/auth/me", headers=bearer(bad))
        assert response.status_code == 401
        assert response.json() == {"detail": "Could not validate credentials"}


async def test_a_refresh_token_is_refused_where_an_access_token_is_expected(
    client: httpx.AsyncClient, email: str
) -> None:
    await register(client, email)
    refresh_token = (await login(client, email)).json()["refresh_token"]

    response = await client.get("/api/v1/auth/me", headers=bearer(refresh_token))

    assert response.status_code == 401


async def test_me_of_a_deleted_user_is_401_and_of_a_deactivated_user_403(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    _, token = await signed_in(client, email)
    async with transaction(db) as session:
        await session.execute(text("UPDATE users SET is_active = false WHERE email = :e"), {"e": email})
    inactive = await client.get("/api/v1/auth/me", headers=bearer(token))
    async with transaction(db) as session:
        await session.execute(
            text("UPDATE accounts SET owner_id = NULL WHERE owner_id IN (SELECT id FROM users WHERE email = :e)"),
            {"e": email},
        )
        await session.execute(text("DELETE FROM users WHERE email = :e"), {"e": email})
    deleted = await client.get("/api/v1/auth/me", headers=bearer(token))

    assert inactive.status_code == 403
    assert inactive.json() == {"detail": "Inactive user"}
    assert deleted.status_code == 401
    assert deleted.json() == {"detail": "Could not validate credentials"}


async def test_jwks_publishes_the_signing_key_by_kid(client: httpx.AsyncClient, email: str) -> None:
    _, token = await signed_in(client, email)
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]

    response = await client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert set(key) == {"kty", "kid", "use", "alg", "n", "e"}
    assert key["kid"] == kid
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")


async def test_internal_user_and_account_lookups(client: httpx.AsyncClient, email: str) -> None:
    user, _ = await signed_in(client, email)
    internal = {"Authorization": "Bearer test-internal-token"}

    found_user = await client.get(f"/internal/users/{user['id']}", headers=internal)
    found_account = await client.get(f"/internal/accounts/{user['account_id']}", headers=internal)
    missing = await client.get(f"/internal/users/{uuid.uuid4()}", headers=internal)
    missing_account = await client.get(f"/internal/accounts/{uuid.uuid4()}", headers=internal)
    unauthorised = await client.get(f"/internal/users/{user['id']}", headers=bearer("wrong"))

    assert found_user.status_code == 200
    assert found_user.json() == {
        "id": user["id"],
        "email": email,
        "name": user["name"],
        "account_id": user["account_id"],
        "account_role": "owner",
        "is_active": True,
        "is_super_admin": False,
        "email_verified_at": None,
        "created_at": user["created_at"],
    }
    account = found_account.json()
    assert account["owner_id"] == user["id"]
    assert account["owner_email"] == email
    assert account["member_count"] == 1
    assert account["name"] == f"{user['name']}'s Account"
    assert set(account) == {"id", "name", "display_code", "owner_id", "owner_email", "member_count", "created_at"}
    assert missing.status_code == 404
    assert missing_account.status_code == 404
    assert unauthorised.status_code == 401
    assert unauthorised.json() == {"detail": "Invalid internal token"}
