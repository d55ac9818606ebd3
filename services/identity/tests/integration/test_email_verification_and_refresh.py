"""`/auth/email/send-verification`, and the rows of the `/auth/email/verify` and `/auth/refresh` tables of
api.md §3.1 not covered by test_refresh_and_verify.py."""

import hashlib
import uuid

import httpx
from conftest import FRONTEND_URL, register
from sessions_support import bearer, events, execute, refresh_rows, rows, signed_in, token_of

from shared.db import SessionFactory


async def send_verification(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/email/send-verification", headers=bearer(access_token))


async def verification_secrets(db: SessionFactory, user_id: str) -> list[str]:
    return [token_of(e["verification_url"]) for e in await events(db, "identity.email_verification.requested", user_id)]


async def test_resending_verification_stores_a_new_token_and_requests_the_email(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)

    response = await send_verification(client, pair["access_token"])

    assert response.status_code == 200
    assert response.json() == {"message": "Verification email sent"}
    register_event, resend_event = await events(db, "identity.email_verification.requested", user["id"])
    assert register_event["reason"] == "register"
    assert resend_event["reason"] == "resend"
    assert resend_event["email"] == email
    assert resend_event["verification_url"].startswith(f"{FRONTEND_URL}/verify-email?token=")
    stored = await rows(
        db,
        "SELECT token_hash, used_at FROM email_verification_tokens WHERE user_id = :u ORDER BY created_at",
        u=uuid.UUID(user["id"]),
    )
    assert [t["used_at"] for t in stored] == [None, None]
    assert stored[1]["token_hash"] == hashlib.sha256(token_of(resend_event["verification_url"]).encode()).hexdigest()


async def test_an_earlier_verification_token_stays_valid_after_a_resend(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await send_verification(client, pair["access_token"])
    earlier, later = await verification_secrets(db, user["id"])

    first = await client.post("/api/v1/auth/email/verify", json={"token": earlier})
    second = await client.post("/api/v1/auth/email/verify", json={"token": later})

    assert first.status_code == 200
    assert first.json()["already_verified"] is False
    # the later token still works, but the user was already verified: no second announcement
    assert second.status_code == 200
    assert second.json()["already_verified"] is True
    assert second.json()["email_verified_at"] == first.json()["email_verified_at"]
    assert len(await events(db, "identity.user.email_verified", user["id"])) == 1


async def test_resending_to_a_verified_user_is_400_and_sends_nothing(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    [secret] = await verification_secrets(db, user["id"])
    await client.post("/api/v1/auth/email/verify", json={"token": secret})

    response = await send_verification(client, pair["access_token"])

    assert response.status_code == 400
    assert response.json() == {"detail": "Email already verified"}
    assert len(await events(db, "identity.email_verification.requested", user["id"])) == 1


async def test_resending_needs_an_access_token_of_an_active_user(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    anonymous = await client.post("/api/v1/auth/email/send-verification")
    await execute(db, "UPDATE users SET is_active = false WHERE id = :u", u=uuid.UUID(user["id"]))

    inactive = await send_verification(client, pair["access_token"])

    assert anonymous.status_code == 401
    assert inactive.status_code == 403
    assert inactive.json() == {"detail": "Inactive user"}
    assert len(await events(db, "identity.email_verification.requested", user["id"])) == 1


async def test_an_expired_verification_token_is_400_and_leaves_the_user_unverified(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    [secret] = await verification_secrets(db, user["id"])
    await execute(
        db,
        "UPDATE email_verification_tokens SET expires_at = now() - interval '1 second' WHERE user_id = :u",
        u=uuid.UUID(user["id"]),
    )

    response = await client.post("/api/v1/auth/email/verify", json={"token": secret})

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid or expired verification token"}
    [stored] = await rows(db, "SELECT email_verified_at FROM users WHERE id = :u", u=uuid.UUID(user["id"]))
    assert stored["email_verified_at"] is None
    assert await refresh_rows(db, user["id"]) == []


async def test_refresh_of_an_inactive_user_is_403_and_rotates_nothing(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await execute(db, "UPDATE users SET is_active = false WHERE id = :u", u=uuid.UUID(user["id"]))

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})

    assert response.status_code == 403
    assert response.json() == {"detail": "Inactive user"}
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == [None]


async def test_refresh_of_a_signed_token_without_its_row_is_invalid(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await execute(db, "DELETE FROM refresh_tokens WHERE user_id = :u", u=uuid.UUID(user["id"]))

    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})

    assert response.status_code == 401
    assert response.json() == {"detail": {"error": "invalid_refresh_token"}}


async def test_refresh_after_logout_is_revoked_not_reused(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user, pair = await signed_in(client, email)
    await client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"]))

    response = await client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))

    assert response.status_code == 401
    assert response.json() == {"detail": {"error": "refresh_token_revoked"}}
    # a logged-out token coming back is not a theft signal: nothing more is revoked or re-labelled
    assert [r["revoked_reason"] for r in await refresh_rows(db, user["id"])] == ["logout"]
