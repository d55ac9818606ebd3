"""What the SPA does, step by step, through the gateway."""

import re
import uuid
from typing import Any

import httpx

from shared.testing import poll

PASSWORD = "Correct-Horse-9"


def new_email(tag: str = "shop") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@Example.com"


async def register(gateway: httpx.AsyncClient, email: str, name: str = "Dana Shop") -> httpx.Response:
    return await gateway.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})


async def login(gateway: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await gateway.post("/api/v1/auth/login/json", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def billing_state(gateway: httpx.AsyncClient, tokens: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
    """Poll until billing has processed the account (404 until then, as api.md allows)."""

    async def state() -> dict[str, Any] | None:
        response = await gateway.get("/api/v1/billing/state", headers=bearer(tokens))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return await poll(state, timeout=timeout, interval=0.1, message="subscription at /billing/state")


async def messages_to(mail: httpx.AsyncClient, email: str) -> list[dict[str, Any]]:
    response = await mail.get("/messages", params={"to": email.lower()})
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


async def wait_for_mail(mail: httpx.AsyncClient, email: str, timeout: float = 20.0) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        found = await messages_to(mail, email)
        return found or None

    return await poll(arrived, timeout=timeout, interval=0.1, message=f"mail to {email}")


def link_in(message: dict[str, Any], path: str) -> str:
    """The `token` of the first `{FRONTEND_URL}{path}?token=...` link in an email's text part."""
    found = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)", str(message["text"]))
    assert found, f"no {path} link in: {message['text']!r}"
    return found.group(1)


async def wait_for_mail_with_subject(
    mail: httpx.AsyncClient, email: str, subject: str, timeout: float = 20.0
) -> dict[str, Any]:
    """The newest message to `email` with `subject`, once it has arrived."""

    async def arrived() -> dict[str, Any] | None:
        matching = [m for m in await messages_to(mail, email) if m.get("subject") == subject]
        return matching[-1] if matching else None

    return await poll(arrived, timeout=timeout, interval=0.1, message=f"mail {subject!r} to {email}")


async def refresh(gateway: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await gateway.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


async def register_invited(
    gateway: httpx.AsyncClient, email: str, account_invite_code: str, name: str = "Tia Mate"
) -> httpx.Response:
    return await gateway.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "name": name, "account_invite_code": account_invite_code},
    )
