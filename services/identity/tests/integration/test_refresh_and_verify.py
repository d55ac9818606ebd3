import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from conftest import login, register
from sqlalchemy import text

from shared.db import SessionFactory


async def fetch(db: SessionFactory, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db() as session:
        return [dict(r) for r in (await session.execute(text(sql), params)).mappings().all()]


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {token}"})


async def verification_secret(db: SessionFactory, user_id: str) -> str:
    [row] = await fetch(
        db,
        "SELECT envelope FROM outbox WHERE type = 'identity.email_verification.requested' "
        "AND envelope->'data'->>'user_id' = :u",
        u=user_id,
    )
    url = str(row["envelope"]["data"]["verification_url"])
    return parse_qs(urlparse(url).query)["token"][0]


async def test_refresh_rotates_within_the_family(client: httpx.AsyncClient, db: SessionFactory, email: str) -> None:
    user = (await register(client, email)).json()
    first = (await login(client, email)).json()

    response = await refresh(client, first["refresh_token"])
    by_body = await client.post("/api/v1/auth/refresh", json={"refresh_token": response.json()["refresh_token"]})

    assert response.status_code == 200
    assert by_body.status_code == 200
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {by_body.json()['access_token']}"})
    assert me.json()["id"] == user["id"]
    rows = await fetch(
        db,
        "SELECT family_id, revoked_reason, replaced_by_id FROM refresh_tokens WHERE user_id = :u ORDER BY created_at",
        u=uuid.UUID(user["id"]),
    )
    assert len(rows) == 3
    assert len({r["family_id"] for r in rows}) == 1
    assert [r["revoked_reason"] for r in rows] == ["rotated", "rotated", None]
    assert all(r["replaced_by_id"] is not None for r in rows[:2])


async def test_reusing_a_rotated_refresh_token_revokes_the_family(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    first = (await login(client, email)).json()
    second = (await refresh(client, first["refresh_token"])).json()

    reuse = await refresh(client, first["refresh_token"])
    after = await refresh(client, second["refresh_token"])

    assert reuse.status_code == 401
    assert reuse.json() == {"detail": {"error": "refresh_token_reused"}}
    assert after.status_code == 401
    assert after.json() == {"detail": {"error": "refresh_token_revoked"}}
    reasons = await fetch(db, "SELECT revoked_reason FROM refresh_tokens WHERE user_id = :u", u=uuid.UUID(user["id"]))
    assert sorted(r["revoked_reason"] for r in reasons) == ["reuse_detected", "rotated"]


async def test_refresh_refuses_access_tokens_and_garbage(client: httpx.AsyncClient, email: str) -> None:
    await register(client, email)
    pair = (await login(client, email)).json()

    for bad in (pair["access_token"], "garbage"):
        response = await refresh(client, bad)
        assert response.status_code == 401
        assert response.json() == {"detail": {"error": "invalid_refresh_token"}}
    assert (await client.post("/api/v1/auth/refresh")).status_code == 401


async def test_verifying_email_stamps_the_user_and_answers_fresh_tokens(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    user = (await register(client, email)).json()
    secret = await verification_secret(db, user["id"])

    response = await client.post("/api/v1/auth/email/verify", json={"token": secret})
    reused = await client.post("/api/v1/auth/email/verify", json={"token": secret})
    unknown = await client.post("/api/v1/auth/email/verify", json={"token": "nope"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] == "Email verified"
    assert body["already_verified"] is False
    assert body["token_type"] == "bearer"
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})).json()
    assert me["email_verified_at"] == body["email_verified_at"]
    for failed in (reused, unknown):
        assert failed.status_code == 400
        assert failed.json() == {"detail": "Invalid or expired verification token"}
    [event] = await fetch(
        db,
        "SELECT envelope FROM outbox WHERE type = 'identity.user.email_verified' AND envelope->'data'->>'user_id' = :u",
        u=user["id"],
    )
    assert event["envelope"]["data"]["method"] == "link"
    assert event["envelope"]["data"]["account_id"] == user["account_id"]
