"""Arranging super admins and reading back stored effects, for the admin tests."""

import json
import uuid
from typing import Any

import httpx
from conftest import login, register
from sqlalchemy import text

from shared.db import SessionFactory, transaction


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


async def rows(db: SessionFactory, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db() as session:
        result = await session.execute(text(sql), params)
        return [dict(r) for r in result.mappings().all()]


async def set_super_admin(db: SessionFactory, user_id: str, value: bool) -> None:
    async with transaction(db) as session:
        await session.execute(
            text("UPDATE users SET is_super_admin = :value WHERE id = :id"), {"value": value, "id": uuid.UUID(user_id)}
        )


async def registered_user(client: httpx.AsyncClient, email: str | None = None, **extra: Any) -> dict[str, Any]:
    response = await register(client, email or new_email(), **extra)
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def bearer_for(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await login(client, email)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def new_admin(client: httpx.AsyncClient, db: SessionFactory) -> tuple[dict[str, Any], dict[str, str]]:
    """A registered user promoted to super admin, with an access token that says so."""
    user = await registered_user(client, new_email("admin"))
    await set_super_admin(db, user["id"], True)
    return user, await bearer_for(client, user["email"])


async def events_of(db: SessionFactory, event_type: str, **data: str) -> list[dict[str, Any]]:
    """Envelopes in the outbox of `event_type` whose data fields equal the given values."""
    found = await rows(
        db,
        "SELECT envelope FROM outbox WHERE type = :type AND envelope->'data' @> CAST(:data AS jsonb) "
        "ORDER BY created_at",
        type=event_type,
        data=json.dumps(data),
    )
    return [r["envelope"] for r in found]


async def audit_of(db: SessionFactory, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
    return await rows(
        db,
        "SELECT actor_id, action, details, request_id FROM audit_log "
        "WHERE entity_type = :entity_type AND entity_id = :entity_id ORDER BY created_at",
        entity_type=entity_type,
        entity_id=entity_id,
    )
