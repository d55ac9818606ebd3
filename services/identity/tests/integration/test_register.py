import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from conftest import FRONTEND_URL, register, set_runtime_setting
from sqlalchemy import text

from shared.db import SessionFactory, transaction

USER_FIELDS = {
    "id", "email", "name", "role", "is_super_admin", "is_active", "account_id", "account_role", "timezone",
    "avatar_url", "email_verified_at", "created_at", "updated_at", "onboarding_step_completed",
    "onboarding_dismissed", "has_password", "oauth_providers",
}  # fmt: skip


async def rows(db: SessionFactory, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db() as session:
        result = await session.execute(text(sql), params)
        return [dict(r) for r in result.mappings().all()]


async def outbox_for(db: SessionFactory, user_id: str) -> dict[str, dict[str, Any]]:
    found = await rows(
        db,
        "SELECT type, envelope FROM outbox "
        "WHERE envelope->'data'->>'user_id' = :id OR envelope->'data'->>'owner_id' = :id",
        id=user_id,
    )
    return {r["type"]: r for r in found}


async def add_platform_code(db: SessionFactory, **values: Any) -> str:
    code = str(values.pop("code", f"PILOT{uuid.uuid4().hex[:8].upper()}"))
    columns = {"code": code, "assigned_plan": "pro", **values}
    names = ", ".join(columns)
    params = ", ".join(f":{k}" for k in columns)
    async with transaction(db) as session:
        await session.execute(text(f"INSERT INTO invite_codes ({names}) VALUES ({params})"), columns)  # noqa: S608
    return code


async def test_register_answers_201_with_the_user_and_creates_an_owned_account(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    response = await register(client, f"  {email.upper()} ", name="  Ada Lovelace  ")

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["email"] == email
    assert body["name"] == "Ada Lovelace"
    assert body["role"] == "engineer"
    assert body["account_role"] == "owner"
    assert body["timezone"] == "UTC"
    assert body["has_password"] is True
    assert body["oauth_providers"] == []
    assert body["email_verified_at"] is None
    assert body["is_active"] is True
    assert body["is_super_admin"] is False
    assert body["created_at"].endswith("+00:00")
    [account] = await rows(db, "SELECT * FROM accounts WHERE id = :id", id=uuid.UUID(body["account_id"]))
    assert account["name"] == "Ada Lovelace's Account"
    assert account["owner_id"] == uuid.UUID(body["id"])
    assert len(account["display_code"]) == 8
    assert account["display_code"].isalnum()
    assert account["display_code"] == account["display_code"].upper()
    [user] = await rows(db, "SELECT password_hash FROM users WHERE id = :id", id=uuid.UUID(body["id"]))
    assert user["password_hash"].startswith("$argon2id$")


async def test_register_writes_the_three_events_of_a_new_shop(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": "Correct-horse-9", "name": "Grace"},
        headers={"X-Request-Id": "req-register-1"},
    )
    assert response.status_code == 201
    user = response.json()

    events = await outbox_for(db, user["id"])
    assert set(events) == {
        "identity.account.created",
        "identity.user.registered",
        "identity.email_verification.requested",
    }
    for event in events.values():
        envelope = event["envelope"]
        assert envelope["producer"] == "identity"
        assert envelope["version"] == 1
        assert envelope["correlation_id"] == "req-register-1"
        assert envelope["causation_id"] is None
        uuid.UUID(envelope["id"])

    created = events["identity.account.created"]["envelope"]["data"]
    assert created["account_id"] == user["account_id"]
    assert created["owner_id"] == user["id"]
    assert created["owner_email"] == email
    assert created["owner_name"] == "Grace"
    assert created["name"] == "Grace's Account"
    assert created["signup_method"] == "password"
    assert created["platform_invite"] is None
    assert len(created["display_code"]) == 8

    registered = events["identity.user.registered"]["envelope"]["data"]
    assert registered["account_id"] == user["account_id"]
    assert registered["account_role"] == "owner"
    assert registered["method"] == "password"
    assert registered["joined_existing_account"] is False
    assert registered["account_invite_id"] is None
    assert registered["email_verified_at"] is None

    verification = events["identity.email_verification.requested"]["envelope"]["data"]
    assert verification["reason"] == "register"
    assert verification["email"] == email
    url = urlparse(verification["verification_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{FRONTEND_URL}/verify-email"
    secret = parse_qs(url.query)["token"][0]
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    [token] = await rows(db, "SELECT * FROM email_verification_tokens WHERE user_id = :id", id=uuid.UUID(user["id"]))
    assert token["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert token["used_at"] is None
    lifetime = token["expires_at"] - datetime.fromisoformat(verification["expires_at"])
    assert lifetime == timedelta(0)
    assert timedelta(hours=23, minutes=59) < token["expires_at"] - datetime.now(UTC) <= timedelta(hours=24)


async def test_register_without_auto_verification_writes_no_verification_token(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    await set_runtime_setting(db, "email_verification_enabled", "false")
    try:
        response = await register(client, email)
    finally:
        await set_runtime_setting(db, "email_verification_enabled", "true")

    assert response.status_code == 201
    user_id = response.json()["id"]
    assert "identity.email_verification.requested" not in await outbox_for(db, user_id)
    assert await rows(db, "SELECT 1 FROM email_verification_tokens WHERE user_id = :id", id=uuid.UUID(user_id)) == []


async def test_registering_a_taken_email_in_any_case_is_400(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    assert (await register(client, email)).status_code == 201

    response = await register(client, email.upper(), name="Someone Else")

    assert response.status_code == 400
    assert response.json() == {"detail": "Email already registered"}
    assert len(await rows(db, "SELECT 1 FROM users WHERE email = :e", e=email)) == 1


async def test_concurrent_registrations_of_one_email_make_exactly_one_user(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    responses = await asyncio.gather(*(register(client, email, name=f"Racer {i}") for i in range(6)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 400, 400, 400, 400, 400]
    assert all(r.json() == {"detail": "Email already registered"} for r in responses if r.status_code == 400)
    [user] = await rows(db, "SELECT account_id FROM users WHERE email = :e", e=email)
    accounts = await rows(db, "SELECT id FROM accounts WHERE name LIKE 'Racer %'")
    # the losers' accounts and events were rolled back with them: nothing half-written
    assert [a["id"] for a in accounts] == [user["account_id"]]
    registered = await rows(
        db, "SELECT 1 FROM outbox WHERE type = 'identity.user.registered' AND envelope->'data'->>'email' = :e", e=email
    )
    assert len(registered) == 1


async def test_weak_passwords_are_422_naming_the_password_field(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    for weak in ["Short1A", "alllowercase1", "ALLUPPERCASE1", "NoDigitsAtAll", "A1" + "a" * 127]:
        response = await register(client, email, password=weak)

        assert response.status_code == 422, weak
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "password"]
        assert error["msg"]
    assert await rows(db, "SELECT 1 FROM users WHERE email = :e", e=email) == []


async def test_blank_name_and_bad_email_are_422(client: httpx.AsyncClient, email: str) -> None:
    blank = await register(client, email, name="   ")
    bad_email = await register(client, "not-an-email")

    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["body", "name"]
    assert bad_email.status_code == 422
    assert bad_email.json()["detail"][0]["loc"] == ["body", "email"]


async def test_invite_gate_refuses_signup_without_a_code(
    client: httpx.AsyncClient, db: SessionFactory, email: str, invite_gate: None
) -> None:
    response = await register(client, email)

    assert response.status_code == 400
    assert response.json() == {"detail": "Invite code is required"}
    assert await rows(db, "SELECT 1 FROM users WHERE email = :e", e=email) == []


async def test_invite_gate_lets_internal_testers_and_self_serve_through(
    client: httpx.AsyncClient, db: SessionFactory, invite_gate: None
) -> None:
    tester = f"tester-{uuid.uuid4().hex[:8]}@example.com"
    await set_runtime_setting(db, "internal_tester_emails", f'["{tester}"]')
    assert (await register(client, tester.upper())).status_code == 201

    await set_runtime_setting(db, "self_serve_enabled", "true")
    assert (await register(client, f"public-{uuid.uuid4().hex[:8]}@example.com")).status_code == 201


async def test_platform_code_opens_the_gate_and_is_marked_used_and_announced(
    client: httpx.AsyncClient, db: SessionFactory, email: str, invite_gate: None
) -> None:
    code = await add_platform_code(db, assigned_plan="starter", trial_duration_days=30)

    response = await register(client, email, invite_code=code.lower())

    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    [stored] = await rows(db, "SELECT * FROM invite_codes WHERE code = :c", c=code)
    assert stored["used_by"] == uuid.UUID(user_id)
    assert stored["used_at"] is not None
    [user] = await rows(db, "SELECT invite_code_id FROM users WHERE id = :id", id=uuid.UUID(user_id))
    assert user["invite_code_id"] == stored["id"]
    created = (await outbox_for(db, user_id))["identity.account.created"]["envelope"]["data"]
    assert created["platform_invite"] == {
        "invite_code_id": str(stored["id"]),
        "assigned_plan": "starter",
        "trial_duration_days": 30,
    }


async def test_unusable_platform_codes_are_refused_with_their_reason(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    inactive = await add_platform_code(db, is_active=False)
    expired = await add_platform_code(db, expires_at=past)
    used = await add_platform_code(db)
    assert (await register(client, f"first-{email}", invite_code=used)).status_code == 201

    cases = {
        "NOSUCHCODE": "Invalid invite code",
        inactive: "Invalid invite code",
        used: "Invite code has already been used",
        expired: "Invite code has expired",
    }
    for code, detail in cases.items():
        response = await register(client, email, invite_code=code)
        assert response.status_code == 400, code
        assert response.json() == {"detail": detail}
    assert await rows(db, "SELECT 1 FROM users WHERE email = :e", e=email) == []


async def test_unknown_account_invite_code_is_400(client: httpx.AsyncClient, email: str) -> None:
    response = await register(client, email, account_invite_code="does-not-exist")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid account invite code"}


async def test_account_invite_joins_the_inviting_account_with_the_invited_role(
    client: httpx.AsyncClient, db: SessionFactory, email: str
) -> None:
    owner = (await register(client, f"owner-{email}")).json()
    code = uuid.uuid4().hex[:22]
    async with transaction(db) as session:
        await session.execute(
            text(
                "INSERT INTO account_invites (account_id, invited_by_id, email, code, role) "
                "VALUES (:a, :u, :e, :c, 'viewer')"
            ),
            {"a": uuid.UUID(owner["account_id"]), "u": uuid.UUID(owner["id"]), "e": email, "c": code},
        )

    mismatch = await register(client, f"other-{email}", account_invite_code=code)
    response = await register(client, email, account_invite_code=code)
    again = await register(client, f"again-{email}", account_invite_code=code)

    assert mismatch.status_code == 400
    assert mismatch.json() == {"detail": {"error": "invite_email_mismatch"}}
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["account_id"] == owner["account_id"]
    assert body["account_role"] == "viewer"
    assert again.json() == {"detail": "Account invite code has already been used"}
    [invite] = await rows(db, "SELECT * FROM account_invites WHERE code = :c", c=code)
    assert invite["accepted_by_id"] == uuid.UUID(body["id"])
    events = await outbox_for(db, body["id"])
    assert "identity.account.created" not in events
    assert events["identity.user.registered"]["envelope"]["data"]["joined_existing_account"] is True
    assert events["identity.user.registered"]["envelope"]["data"]["account_invite_id"] == str(invite["id"])
    assert events["identity.invite.accepted"]["envelope"]["data"]["role"] == "viewer"
