import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import PASSWORD, login, register
from sqlalchemy import text

from identity.signing.tokens import jti_hash
from shared.auth import JwksCache, TokenVerifier
from shared.clock import SystemClock
from shared.db import SessionFactory, transaction


async def scalar(db: SessionFactory, sql: str, **params: Any) -> Any:
    async with db() as session:
        return (await session.execute(text(sql), params)).scalar()


async def test_login_returns_tokens_that_verify_against_the_published_jwks(
    app: Any, client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()

    response = await login(client, email.upper())

    assert response.status_code == 200, response.text
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type"}
    assert pair["token_type"] == "bearer"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as http:
        verifier = TokenVerifier(JwksCache("http://identity/.well-known/jwks.json", http), SystemClock())
        claims = await verifier.verify_access(pair["access_token"])
        refresh_claims = await verifier.verify(pair["refresh_token"], "refresh")
    assert str(claims.user_id) == user["id"]
    assert str(claims.account_id) == user["account_id"]
    assert claims.account_role == "owner"
    assert claims.is_super_admin is False
    assert claims.email_verified_at is None
    assert claims.user_created_at == datetime.fromisoformat(user["created_at"])
    assert 14 * 60 <= claims.expires_at - datetime.now(UTC).timestamp() <= 15 * 60
    stored = await scalar(
        db, "SELECT user_id FROM refresh_tokens WHERE token_hash = :h", h=jti_hash(refresh_claims["jti"])
    )
    assert stored == uuid.UUID(user["id"])


async def test_form_login_takes_username_and_password(client: httpx.AsyncClient, email: str) -> None:
    await register(client, email)

    response = await client.post("/api/v1/auth/login", data={"username": email, "password": PASSWORD})
    missing = await client.post("/api/v1/auth/login", data={"username": email})

    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    assert missing.status_code == 422


async def test_each_login_starts_a_new_refresh_token_family(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()

    await login(client, email)
    await login(client, email)

    families = await scalar(
        db, "SELECT count(DISTINCT family_id) FROM refresh_tokens WHERE user_id = :u", u=uuid.UUID(user["id"])
    )
    assert families == 2


async def test_wrong_password_and_unknown_email_are_the_same_401(client: httpx.AsyncClient, email: str) -> None:
    await register(client, email)

    wrong = await login(client, email, "Wrong-password-1")
    unknown = await login(client, f"nobody-{email}", PASSWORD)

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect email or password"}
        assert response.headers["www-authenticate"] == "Bearer"


async def test_five_failures_lock_the_email_even_for_the_right_password(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    await register(client, email)
    for _ in range(5):
        assert (await login(client, email, "Wrong-password-1")).status_code == 401

    locked = await login(client, email)

    assert locked.status_code == 429
    assert locked.json() == {"detail": {"error": "too_many_attempts", "retry_after": 30}}
    assert locked.headers["retry-after"] == "30"
    assert await scalar(db, "SELECT failed_count FROM login_attempts WHERE email = :e", e=email) == 5


async def test_an_expired_lock_lets_the_right_password_in_and_resets_the_count(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    await register(client, email)
    for _ in range(5):
        await login(client, email, "Wrong-password-1")
    async with transaction(db) as session:
        await session.execute(
            text("UPDATE login_attempts SET locked_until = :t WHERE email = :e"),
            {"t": datetime.now(UTC) - timedelta(seconds=1), "e": email},
        )

    response = await login(client, email)

    assert response.status_code == 200
    assert await scalar(db, "SELECT count(*) FROM login_attempts WHERE email = :e", e=email) == 0


async def test_failures_for_an_unknown_email_lock_it_too(client: httpx.AsyncClient, email: str) -> None:
    for _ in range(5):
        await login(client, email, "Wrong-password-1")

    response = await login(client, email, "Wrong-password-1")

    assert response.status_code == 429


async def test_a_user_without_password_is_told_to_use_their_provider(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    async with transaction(db) as session:
        await session.execute(text("UPDATE users SET password_hash = NULL WHERE email = :e"), {"e": email})
        await session.execute(
            text(
                "INSERT INTO oauth_identities (user_id, provider, provider_subject, provider_email_at_link) "
                "VALUES (:u, 'google', :s, :e)"
            ),
            {"u": uuid.UUID(user["id"]), "s": uuid.uuid4().hex, "e": email},
        )

    response = await login(client, email, "Anything-at-all-1")

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "use_oauth_provider", "providers": ["google"]}}


async def test_an_inactive_user_with_the_right_password_is_403(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    await register(client, email)
    async with transaction(db) as session:
        await session.execute(text("UPDATE users SET is_active = false WHERE email = :e"), {"e": email})

    response = await login(client, email)

    assert response.status_code == 403
    assert response.json() == {"detail": "Inactive user"}
