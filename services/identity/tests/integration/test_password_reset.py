import hashlib
import uuid
from datetime import timedelta
from typing import Any

import httpx
from conftest import FRONTEND_URL, PASSWORD, login, register
from sessions_support import events, execute, make_oauth_only, refresh_rows, rows, signed_in, token_of

from shared.db import SessionFactory

NEW_PASSWORD = "Reset-and-Remember-3"
FORGOT_ANSWER = {"message": "If an account exists for that email, a reset link has been sent."}


async def forgot(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/api/v1/auth/password/forgot", json={"email": email})


async def reset(client: httpx.AsyncClient, token: str, new_password: str = NEW_PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/password/reset", json={"token": token, "new_password": new_password})


async def reset_tokens(db: SessionFactory, user_id: str) -> list[dict[str, Any]]:
    return await rows(
        db,
        "SELECT token_hash, created_at, expires_at, used_at FROM password_reset_tokens WHERE user_id = :u "
        "ORDER BY created_at",
        u=uuid.UUID(user_id),
    )


async def requested_secrets(db: SessionFactory, user_id: str) -> list[str]:
    return [token_of(e["reset_url"]) for e in await events(db, "identity.password_reset.requested", user_id)]


async def test_forgot_password_stores_a_one_hour_token_and_requests_the_email(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()

    response = await forgot(client, "  " + email.upper())

    assert response.status_code == 200
    assert response.json() == FORGOT_ANSWER
    [event] = await events(db, "identity.password_reset.requested", user["id"])
    assert event["email"] == email
    assert event["name"] == user["name"]
    assert event["reset_url"].startswith(f"{FRONTEND_URL}/reset-password?token=")
    secret = token_of(event["reset_url"])
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    [token] = await reset_tokens(db, user["id"])
    # only the SHA-256 of the emailed secret is stored
    assert token["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert token["expires_at"] - token["created_at"] == timedelta(hours=1)
    assert token["used_at"] is None


async def test_forgot_password_answers_the_same_and_does_nothing_for_unknown_oauth_only_or_inactive_users(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    oauth_email, inactive_email = "oauth-" + email, "inactive-" + email
    oauth_user, _ = await signed_in(client, oauth_email)
    await make_oauth_only(db, oauth_user["id"], oauth_email)
    inactive_user = (await register(client, inactive_email)).json()
    await execute(db, "UPDATE users SET is_active = false WHERE id = :u", u=uuid.UUID(inactive_user["id"]))

    answers = [await forgot(client, address) for address in ("nobody-" + email, oauth_email, inactive_email)]

    for answer in answers:
        assert answer.status_code == 200
        assert answer.json() == FORGOT_ANSWER
    for user_id in (oauth_user["id"], inactive_user["id"]):
        assert await reset_tokens(db, user_id) == []
        assert await events(db, "identity.password_reset.requested", user_id) == []
    assert await rows(db, "SELECT 1 FROM outbox WHERE envelope->'data'->>'email' = :e", e="nobody-" + email) == []


async def test_forgot_password_refuses_a_malformed_email_with_422(client: httpx.AsyncClient) -> None:
    response = await forgot(client, "not-an-email")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "email"]


async def test_resetting_replaces_the_password_and_ends_every_session(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await forgot(client, email)
    await forgot(client, email)
    first, second = await requested_secrets(db, user["id"])

    response = await reset(client, first)

    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Password has been reset"}
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == ["password_changed"]
    assert (await login(client, email, PASSWORD)).status_code == 401
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    # the used token and the other unused one are both spent
    assert all(t["used_at"] is not None for t in await reset_tokens(db, user["id"]))
    for spent in (first, second):
        again = await reset(client, spent, "Another-Password-4")
        assert again.status_code == 400
        assert again.json() == {"detail": "Invalid or expired reset token"}
    refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refused.json() == {"detail": {"error": "refresh_token_revoked"}}


async def test_an_earlier_reset_token_stays_usable_until_another_is_used(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    await forgot(client, email)
    await forgot(client, email)
    first, _ = await requested_secrets(db, user["id"])

    response = await reset(client, first)

    assert response.status_code == 200
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200


async def test_resetting_proves_the_mailbox_of_an_unverified_user(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    assert user["email_verified_at"] is None
    await forgot(client, email)
    [secret] = await requested_secrets(db, user["id"])

    assert (await reset(client, secret)).status_code == 200

    [stored] = await rows(db, "SELECT email_verified_at FROM users WHERE id = :u", u=uuid.UUID(user["id"]))
    assert stored["email_verified_at"] is not None
    [event] = await events(db, "identity.user.email_verified", user["id"])
    assert event["method"] == "password_reset"
    assert event["account_id"] == user["account_id"]
    assert event["email"] == email
    pair = (await login(client, email, NEW_PASSWORD)).json()
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})).json()
    assert me["email_verified_at"] is not None


async def test_resetting_leaves_an_earlier_verification_alone(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    await execute(
        db,
        "UPDATE users SET email_verified_at = '2026-01-02T03:04:05+00:00' WHERE id = :u",
        u=uuid.UUID(user["id"]),
    )
    await forgot(client, email)
    [secret] = await requested_secrets(db, user["id"])

    assert (await reset(client, secret)).status_code == 200

    [stored] = await rows(db, "SELECT email_verified_at FROM users WHERE id = :u", u=uuid.UUID(user["id"]))
    assert stored["email_verified_at"].isoformat() == "2026-01-02T03:04:05+00:00"
    assert await events(db, "identity.user.email_verified", user["id"]) == []


async def test_an_expired_or_unknown_reset_token_is_400_and_changes_nothing(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    await forgot(client, email)
    [secret] = await requested_secrets(db, user["id"])
    await execute(
        db,
        "UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = :u",
        u=uuid.UUID(user["id"]),
    )

    for token in (secret, "no-such-token"):
        response = await reset(client, token)
        assert response.status_code == 400
        assert response.json() == {"detail": "Invalid or expired reset token"}
    assert (await login(client, email, PASSWORD)).status_code == 200
    assert [t["used_at"] for t in await reset_tokens(db, user["id"])] == [None]


async def test_a_weak_new_password_is_422_and_keeps_the_token(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    await forgot(client, email)
    [secret] = await requested_secrets(db, user["id"])

    weak = await reset(client, secret, "weak")

    assert weak.status_code == 422
    assert weak.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert (await reset(client, secret)).status_code == 200


async def test_a_user_who_lost_the_password_since_asking_is_told_to_use_the_provider(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    await forgot(client, email)
    [secret] = await requested_secrets(db, user["id"])
    await make_oauth_only(db, user["id"], email)

    response = await reset(client, secret)

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "use_oauth_provider", "providers": ["google"]}}
    assert [t["used_at"] for t in await reset_tokens(db, user["id"])] == [None]


async def test_resetting_lifts_a_login_lockout(client: httpx.AsyncClient, db: SessionFactory, email: str) -> None:
    user = (await register(client, email)).json()
    for _ in range(5):
        await login(client, email, "Wrong-password-0")
    assert (await login(client, email, PASSWORD)).status_code == 429
    await forgot(client, email)
    [secret] = await requested_secrets(db, user["id"])

    assert (await reset(client, secret)).status_code == 200

    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    assert await rows(db, "SELECT 1 FROM login_attempts WHERE email = :e", e=email) == []
