"""Arranging signed-in users and reading back stored effects, for the session and password tests."""

import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from conftest import login, register
from sqlalchemy import text

from shared.db import SessionFactory, transaction


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def rows(db: SessionFactory, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db() as session:
        result = await session.execute(text(sql), params)
        return [dict(r) for r in result.mappings().all()]


async def execute(db: SessionFactory, sql: str, **params: Any) -> None:
    async with transaction(db) as session:
        await session.execute(text(sql), params)


async def signed_in(client: httpx.AsyncClient, email: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A freshly registered user and the token pair of its first login."""
    registered = await register(client, email)
    assert registered.status_code == 201, registered.text
    logged_in = await login(client, email)
    assert logged_in.status_code == 200, logged_in.text
    return registered.json(), logged_in.json()


async def refresh_rows(db: SessionFactory, user_id: str) -> list[dict[str, Any]]:
    return await rows(
        db,
        "SELECT id, family_id, revoked_at, revoked_reason FROM refresh_tokens WHERE user_id = :u ORDER BY created_at",
        u=uuid.UUID(user_id),
    )


async def events(db: SessionFactory, event_type: str, user_id: str) -> list[dict[str, Any]]:
    """The `data` of the outbox events of `event_type` about `user_id`, oldest first."""
    found = await rows(
        db,
        "SELECT envelope FROM outbox WHERE type = :t AND envelope->'data'->>'user_id' = :u ORDER BY created_at",
        t=event_type,
        u=user_id,
    )
    return [dict(r["envelope"]["data"]) for r in found]


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def make_oauth_only(db: SessionFactory, user_id: str, email: str, provider: str = "google") -> None:
    """Turn a registered user into one who signs in only through `provider`: no password, one identity."""
    await execute(db, "UPDATE users SET password_hash = NULL WHERE id = :u", u=uuid.UUID(user_id))
    await execute(
        db,
        "INSERT INTO oauth_identities (user_id, provider, provider_subject, provider_email_at_link) "
        "VALUES (:u, :p, :s, :e)",
        u=uuid.UUID(user_id),
        p=provider,
        s=uuid.uuid4().hex,
        e=email,
    )
