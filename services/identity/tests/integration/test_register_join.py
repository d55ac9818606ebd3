"""The join path of registration (api.md §3.1 rule 2): a teammate registers with an account invite code."""

import asyncio
import json
import uuid
from typing import Any

import httpx
from conftest import register, set_runtime_setting
from sqlalchemy import text
from teams import events_about, invite, new_email, new_owner, rows, signed_in

from shared.db import SessionFactory, transaction


async def users_named(db: SessionFactory, email: str) -> list[dict[str, Any]]:
    return await rows(db, "SELECT * FROM users WHERE email = :e", e=email.lower())


async def invite_row(db: SessionFactory, invite_id: str) -> dict[str, Any]:
    [row] = await rows(db, "SELECT * FROM account_invites WHERE id = :id", id=uuid.UUID(invite_id))
    return row


async def age_invite(db: SessionFactory, invite_id: str, assignments: str) -> None:
    async with transaction(db) as session:
        await session.execute(
            text(f"UPDATE account_invites SET {assignments} WHERE id = :id"),  # noqa: S608
            {"id": uuid.UUID(invite_id)},
        )


async def test_a_teammate_joins_the_inviting_account_with_the_invites_role(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    email = new_email("joiner")
    pending = await invite(client, owner, email, role="admin")
    accounts_before = (await rows(db, "SELECT count(*) AS n FROM accounts"))[0]["n"]

    response = await register(client, email.upper(), name="Jo Iner", account_invite_code=pending["code"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["account_id"], body["account_role"], body["role"]) == (owner.account_id, "admin", "engineer")
    assert (await rows(db, "SELECT count(*) AS n FROM accounts"))[0]["n"] == accounts_before
    row = await invite_row(db, pending["id"])
    assert row["accepted_by_id"] == uuid.UUID(body["id"])
    assert row["used_at"] is not None
    types = [e["type"] for e in await events_about(db, "user_id", body["id"])]
    assert "identity.account.created" not in types
    assert {"identity.user.registered", "identity.invite.accepted"} <= set(types)
    [accepted] = [
        e for e in await events_about(db, "invite_id", pending["id"]) if e["type"] == "identity.invite.accepted"
    ]
    assert accepted["data"]["role"] == "admin"
    assert accepted["data"]["account_id"] == owner.account_id
    members = (await client.get("/api/v1/accounts/me/members", headers=owner.headers)).json()
    assert [m["email"] for m in members] == [owner.email, email]


async def test_a_valid_invite_skips_the_platform_gate_and_ignores_a_platform_code(
    client: httpx.AsyncClient, db: SessionFactory, invite_gate: None
) -> None:
    owner_email = new_email("tester")
    await set_runtime_setting(db, "internal_tester_emails", json.dumps([owner_email]))
    owner = await signed_in(client, owner_email)
    email = new_email("joiner")
    pending = await invite(client, owner, email)

    response = await register(client, email, account_invite_code=pending["code"], invite_code="NOSUCHCODE")

    assert response.status_code == 201, response.text
    assert response.json()["account_id"] == owner.account_id
    assert (await users_named(db, email))[0]["invite_code_id"] is None


async def test_unusable_invites_are_refused_in_the_order_of_the_rules(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    cases: list[tuple[str, str, object]] = []
    unknown_email = new_email()
    cases.append((unknown_email, "no-such-invite-code-xx", "Invalid account invite code"))
    accepted_for = new_email()
    accepted = await invite(client, owner, accepted_for)
    assert (await register(client, accepted_for, account_invite_code=accepted["code"])).status_code == 201
    cases.append((new_email(), accepted["code"], "Account invite code has already been used"))
    revoked_and_expired = await invite(client, owner, new_email())
    await client.delete(f"/api/v1/accounts/me/invites/{revoked_and_expired['id']}", headers=owner.headers)
    await age_invite(db, revoked_and_expired["id"], "expires_at = now() - interval '1 day'")
    cases.append((revoked_and_expired["email"], revoked_and_expired["code"], "Account invite code has been revoked"))
    expired = await invite(client, owner, new_email())
    await age_invite(db, expired["id"], "expires_at = now() - interval '1 second'")
    cases.append((expired["email"], expired["code"], "Account invite code has expired"))
    pending = await invite(client, owner, new_email())
    cases.append((new_email("intruder"), pending["code"], {"error": "invite_email_mismatch"}))

    for email, code, detail in cases:
        response = await register(client, email, account_invite_code=code)

        assert response.status_code == 400, (code, response.text)
        assert response.json() == {"detail": detail}
        assert await users_named(db, email) == []
    assert (await invite_row(db, pending["id"]))["accepted_by_id"] is None


async def test_a_taken_email_is_refused_before_the_invite_is_looked_at(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    pending = await invite(client, owner, owner.email.replace("owner-", "elsewhere-"))

    response = await register(client, owner.email, account_invite_code=pending["code"])

    assert response.status_code == 400
    assert response.json() == {"detail": "Email already registered"}
    assert (await invite_row(db, pending["id"]))["accepted_by_id"] is None


async def test_two_simultaneous_registrations_with_one_invite_code_make_one_member(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    email = new_email("race")
    pending = await invite(client, owner, email)

    answers = await asyncio.gather(
        *(register(client, email, name=f"Racer {n}", account_invite_code=pending["code"]) for n in range(2))
    )

    assert sorted(a.status_code for a in answers) == [201, 400]
    [winner] = [a.json() for a in answers if a.status_code == 201]
    [loser] = [a.json() for a in answers if a.status_code == 400]
    assert loser["detail"] in ("Account invite code has already been used", "Email already registered")
    [user] = await users_named(db, email)
    assert str(user["id"]) == winner["id"]
    assert (await invite_row(db, pending["id"]))["accepted_by_id"] == user["id"]
    accepted = [
        e for e in await events_about(db, "invite_id", pending["id"]) if e["type"] == "identity.invite.accepted"
    ]
    assert len(accepted) == 1
    members = (await client.get("/api/v1/accounts/me/members", headers=owner.headers)).json()
    assert [m["email"] for m in members] == [owner.email, email]
