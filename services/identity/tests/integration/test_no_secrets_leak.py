import logging
import uuid

import httpx
import pytest
from conftest import PASSWORD, login, register
from sessions_support import bearer, events, rows, token_of

from shared.db import SessionFactory

NEW_PASSWORD = "Never-Logged-Secret-5"


async def test_no_answer_event_or_log_line_carries_a_password_hash_or_a_secret(
    client: httpx.AsyncClient, db: SessionFactory, email: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    registered = await register(client, email)
    user = registered.json()
    pair = (await login(client, email)).json()
    await client.post("/api/v1/auth/password/forgot", json={"email": email})
    [requested] = await events(db, "identity.password_reset.requested", user["id"])
    reset_secret = token_of(requested["reset_url"])
    await client.post("/api/v1/auth/password/reset", json={"token": reset_secret, "new_password": NEW_PASSWORD})
    answers = [
        registered,
        await client.get("/api/v1/auth/me", headers=bearer(pair["access_token"])),
        await client.get("/api/v1/users/me", headers=bearer(pair["access_token"])),
        await client.patch("/api/v1/users/me", headers=bearer(pair["access_token"]), json={"name": "Renamed"}),
    ]
    [stored] = await rows(db, "SELECT password_hash FROM users WHERE id = :u", u=uuid.UUID(user["id"]))
    outbox = await rows(
        db, "SELECT envelope::text AS text FROM outbox WHERE envelope->'data'->>'user_id' = :u", u=user["id"]
    )
    token_hashes = [r["token_hash"] for r in await rows(db, "SELECT token_hash FROM refresh_tokens")]

    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert answer.json()["has_password"] is True
        assert "password_hash" not in answer.json()
        assert "$argon2" not in answer.text
    everything_logged = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    for secret in (PASSWORD, NEW_PASSWORD, stored["password_hash"], reset_secret, pair["refresh_token"]):
        assert secret not in everything_logged
    for event in outbox:
        assert "$argon2" not in event["text"]
        assert PASSWORD not in event["text"]
        assert NEW_PASSWORD not in event["text"]
        assert not any(h in event["text"] for h in token_hashes)
