"""Arranging accounts for the account, member and invite tests: a signed-in owner, teammates who joined
through invites, and reads of the rows and outbox events those requests left."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from conftest import login, register
from sqlalchemy import text

from shared.db import SessionFactory


@dataclass(frozen=True)
class Member:
    user: dict[str, Any]
    token: str

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def email(self) -> str:
        return str(self.user["email"])

    @property
    def account_id(self) -> str:
        return str(self.user["account_id"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


async def signed_in(client: httpx.AsyncClient, email: str, **extra: Any) -> Member:
    response = await register(client, email, **extra)
    assert response.status_code == 201, response.text
    tokens = await login(client, email)
    assert tokens.status_code == 200, tokens.text
    return Member(response.json(), tokens.json()["access_token"])


async def new_owner(client: httpx.AsyncClient, name: str = "Olive Owner") -> Member:
    return await signed_in(client, new_email("owner"), name=name)


async def invite(client: httpx.AsyncClient, owner: Member, email: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/accounts/me/invites", json={"email": email, **fields}, headers=owner.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def teammate(client: httpx.AsyncClient, owner: Member, role: str = "engineer", name: str = "Tim Mate") -> Member:
    """A user who joined `owner`'s account through an invite with `role`, signed in."""
    email = new_email(role)
    code = (await invite(client, owner, email, role=role))["code"]
    return await signed_in(client, email, name=name, account_invite_code=code)


async def rows(db: SessionFactory, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db() as session:
        result = await session.execute(text(sql), params)
        return [dict(r) for r in result.mappings().all()]


async def events_about(db: SessionFactory, field: str, value: str) -> list[dict[str, Any]]:
    """Envelopes in the outbox whose `data.<field>` is `value`, in creation order."""
    found = await rows(
        db,
        "SELECT envelope FROM outbox WHERE envelope->'data'->>:field = :value ORDER BY created_at",
        field=field,
        value=value,
    )
    return [r["envelope"] for r in found]


async def audit_of(db: SessionFactory, entity_id: str) -> list[dict[str, Any]]:
    return await rows(db, "SELECT * FROM audit_log WHERE entity_id = :id ORDER BY created_at", id=entity_id)
