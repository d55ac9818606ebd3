"""Account invites: create, bulk, list, revoke, resend and the public lookup (api.md §3.5)."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import FRONTEND_URL, register
from sqlalchemy import text
from teams import Member, audit_of, events_about, invite, new_email, new_owner, rows, teammate

from shared.db import SessionFactory, transaction

INVITE_FIELDS = {
    "id", "account_id", "invited_by_id", "email", "code", "role", "expires_at", "created_at", "used_at",
    "accepted_by_id", "revoked_at", "email_sent_at", "status",
}  # fmt: skip
INVITES = "/api/v1/accounts/me/invites"
UNAVAILABLE = {"detail": {"error": "invite_invalid_or_expired_or_revoked"}}


async def invite_row(db: SessionFactory, invite_id: str) -> dict[str, Any]:
    [row] = await rows(db, "SELECT * FROM account_invites WHERE id = :id", id=uuid.UUID(invite_id))
    return row


async def invite_rows_of(db: SessionFactory, account_id: str) -> list[dict[str, Any]]:
    return await rows(db, "SELECT * FROM account_invites WHERE account_id = :id", id=uuid.UUID(account_id))


async def events_of(db: SessionFactory, invite_id: str) -> list[dict[str, Any]]:
    return await events_about(db, "invite_id", invite_id)


async def set_invite(db: SessionFactory, invite_id: str, assignments: str) -> None:
    async with transaction(db) as session:
        await session.execute(
            text(f"UPDATE account_invites SET {assignments} WHERE id = :id"),  # noqa: S608
            {"id": uuid.UUID(invite_id)},
        )


async def test_owner_creates_an_invite_with_a_random_code_an_event_and_an_audit_entry(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client, name="Olive Owner")
    email = new_email("invitee")
    before = datetime.now(UTC)

    response = await client.post(INVITES, json={"email": f" {email.upper()} "}, headers=owner.headers)

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == INVITE_FIELDS
    assert body["email"] == email
    assert body["role"] == "engineer"
    assert body["status"] == "pending"
    assert body["account_id"] == owner.account_id
    assert body["invited_by_id"] == owner.id
    assert body["email_sent_at"] is None
    assert body["used_at"] is None
    assert body["accepted_by_id"] is None
    assert body["revoked_at"] is None
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", body["code"])
    expires_at = datetime.fromisoformat(body["expires_at"])
    created_at = datetime.fromisoformat(body["created_at"])
    assert expires_at - created_at == timedelta(days=7)
    assert before - timedelta(seconds=5) < created_at < datetime.now(UTC) + timedelta(seconds=5)
    row = await invite_row(db, body["id"])
    assert row["code"] == body["code"]
    assert row["email"] == email
    [event] = await events_of(db, body["id"])
    assert event["type"] == "identity.invite.created"
    assert event["data"] == {
        "invite_id": body["id"],
        "account_id": owner.account_id,
        "account_name": "Olive Owner's Account",
        "invited_by_id": owner.id,
        "inviter_name": "Olive Owner",
        "email": email,
        "role": "engineer",
        "accept_url": f"{FRONTEND_URL}/accept-invite?code={body['code']}",
        "expires_at": event["data"]["expires_at"],
        "via": "single",
    }
    assert datetime.fromisoformat(event["data"]["expires_at"]) == expires_at
    [entry] = await audit_of(db, body["id"])
    assert entry["action"] == "account_invite.create"
    assert body["code"] not in str(entry["details"])


async def test_an_invite_carries_the_requested_role_and_lifetime(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)

    for role, days in (("admin", 1), ("viewer", 90)):
        body = await invite(client, owner, new_email(), role=role, expires_in_days=days)
        assert body["role"] == role
        lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["created_at"])
        assert lifetime == timedelta(days=days)


async def test_a_malformed_invite_is_422_and_writes_nothing(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)

    for body in (
        {"email": "not-an-email"},
        {"email": new_email(), "role": "owner"},
        {"email": new_email(), "expires_in_days": 0},
        {"email": new_email(), "expires_in_days": 91},
        {},
    ):
        response = await client.post(INVITES, json=body, headers=owner.headers)
        assert response.status_code == 422, body
    assert await invite_rows_of(db, owner.account_id) == []


async def test_inviting_a_member_of_the_account_is_409(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    member = await teammate(client, owner)

    for email in (owner.email, member.email.upper()):
        response = await client.post(INVITES, json={"email": email}, headers=owner.headers)
        assert response.status_code == 409
        assert response.json() == {"detail": {"error": "already_member"}}
    assert len(await invite_rows_of(db, owner.account_id)) == 1  # the invite the member joined with


async def test_only_the_owner_manages_invites(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    pending = await invite(client, owner, new_email())
    forbidden = {"detail": "Only the account owner can do this"}

    for role in ("admin", "engineer", "viewer"):
        member = await teammate(client, owner, role=role)
        answers = [
            await client.post(INVITES, json={"email": new_email()}, headers=member.headers),
            await client.post(f"{INVITES}/bulk", json={"invites": [{"email": new_email()}]}, headers=member.headers),
            await client.get(INVITES, headers=member.headers),
            await client.delete(f"{INVITES}/{pending['id']}", headers=member.headers),
            await client.post(f"{INVITES}/{pending['id']}/resend", headers=member.headers),
        ]
        for response in answers:
            assert response.status_code == 403, response.request.url
            assert response.json() == forbidden
    assert (await invite_row(db, pending["id"]))["revoked_at"] is None
    assert len(await invite_rows_of(db, owner.account_id)) == 4  # pending + the three teammates' invites


async def test_bulk_creates_the_good_rows_and_reports_the_others(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    member = await teammate(client, owner)
    first, second = new_email("first"), new_email("second")

    response = await client.post(
        f"{INVITES}/bulk",
        json={
            "invites": [
                {"email": first, "role": "admin"},
                {"email": member.email},
                {"email": first.upper(), "role": "viewer"},
                {"email": second, "expires_in_days": 3},
            ]
        },
        headers=owner.headers,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert [(i["email"], i["role"], i["status"]) for i in body["created"]] == [
        (first, "admin", "pending"),
        (second, "engineer", "pending"),
    ]
    assert all(set(i) == INVITE_FIELDS for i in body["created"])
    assert body["failed"] == [
        {"email": member.email, "error": "already_member"},
        {"email": first, "error": "duplicate_in_request"},
    ]
    stored = {r["email"] for r in await invite_rows_of(db, owner.account_id)}
    assert {first, second} <= stored
    for created in body["created"]:
        [event] = await events_of(db, created["id"])
        assert event["type"] == "identity.invite.created"
        assert event["data"]["via"] == "bulk"


async def test_a_malformed_bulk_item_rejects_the_whole_request(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    good = {"email": new_email()}

    for invites in (
        [good, {"email": "nope"}],
        [good, {"email": new_email(), "role": "owner"}],
        [],
        [{"email": new_email()} for _ in range(11)],
    ):
        response = await client.post(f"{INVITES}/bulk", json={"invites": invites}, headers=owner.headers)
        assert response.status_code == 422
    assert await invite_rows_of(db, owner.account_id) == []


async def test_ten_bulk_invites_are_accepted(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)

    response = await client.post(
        f"{INVITES}/bulk", json={"invites": [{"email": new_email()} for _ in range(10)]}, headers=owner.headers
    )

    assert response.status_code == 201
    assert len(response.json()["created"]) == 10
    assert response.json()["failed"] == []


async def test_the_list_is_newest_first_with_each_status_derived(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    joined = await teammate(client, owner)
    revoked = await invite(client, owner, new_email("revoked"))
    expired = await invite(client, owner, new_email("expired"))
    pending = await invite(client, owner, new_email("pending"))
    await client.delete(f"{INVITES}/{revoked['id']}", headers=owner.headers)
    await set_invite(db, expired["id"], "expires_at = now() - interval '1 minute'")

    response = await client.get(INVITES, headers=owner.headers)

    assert response.status_code == 200
    body = response.json()
    assert [(i["email"], i["status"]) for i in body] == [
        (pending["email"], "pending"),
        (expired["email"], "expired"),
        (revoked["email"], "revoked"),
        (joined.email, "accepted"),
    ]
    assert body[3]["accepted_by_id"] == joined.id
    assert body[3]["used_at"] is not None


async def test_revoking_soft_deletes_once_and_announces_it(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    pending = await invite(client, owner, new_email())

    first = await client.delete(f"{INVITES}/{pending['id']}", headers=owner.headers)
    again = await client.delete(f"{INVITES}/{pending['id']}", headers=owner.headers)

    assert first.status_code == 204
    assert first.content == b""
    assert again.status_code == 204
    row = await invite_row(db, pending["id"])
    assert row["revoked_at"] is not None
    revoked = [e for e in await events_of(db, pending["id"]) if e["type"] == "identity.invite.revoked"]
    [data] = [e["data"] for e in revoked]
    assert datetime.fromisoformat(data.pop("revoked_at")) == row["revoked_at"]
    assert data == {
        "invite_id": pending["id"],
        "account_id": owner.account_id,
        "email": pending["email"],
        "revoked_by_id": owner.id,
        "reason": "revoked",
    }
    assert [e["action"] for e in await audit_of(db, pending["id"])] == [
        "account_invite.create",
        "account_invite.revoke",
    ]


async def test_an_accepted_invite_cannot_be_revoked_or_resent(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    member = await teammate(client, owner)
    [accepted] = [r for r in await invite_rows_of(db, owner.account_id) if r["email"] == member.email]
    invite_id = str(accepted["id"])

    revoke = await client.delete(f"{INVITES}/{invite_id}", headers=owner.headers)
    resend = await client.post(f"{INVITES}/{invite_id}/resend", headers=owner.headers)

    assert revoke.status_code == 400
    assert revoke.json() == {"detail": "Cannot revoke an accepted invite"}
    assert resend.status_code == 400
    assert resend.json() == {"detail": "Cannot resend an accepted invite"}
    assert (await invite_row(db, invite_id))["revoked_at"] is None
    assert len(await invite_rows_of(db, owner.account_id)) == 1


async def test_resend_makes_a_new_invite_and_revokes_the_old_one(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    old = await invite(client, owner, new_email(), role="viewer", expires_in_days=3)
    # created four days ago with a three-day life, so expired: resending is what an expired invite is for
    await set_invite(
        db, old["id"], "created_at = created_at - interval '4 days', expires_at = expires_at - interval '4 days'"
    )

    response = await client.post(f"{INVITES}/{old['id']}/resend", headers=owner.headers)

    assert response.status_code == 200, response.text
    new = response.json()
    assert set(new) == INVITE_FIELDS
    assert new["id"] != old["id"]
    assert new["code"] != old["code"]
    assert (new["email"], new["role"], new["status"]) == (old["email"], "viewer", "pending")
    lifetime = datetime.fromisoformat(new["expires_at"]) - datetime.fromisoformat(new["created_at"])
    assert lifetime == timedelta(days=3)
    old_row = await invite_row(db, old["id"])
    assert old_row["revoked_at"] is not None
    [revoked] = [e for e in await events_of(db, old["id"]) if e["type"] == "identity.invite.revoked"]
    assert revoked["data"]["reason"] == "resent"
    [resent] = await events_of(db, new["id"])
    assert resent["type"] == "identity.invite.resent"
    assert resent["data"]["previous_invite_id"] == old["id"]
    assert resent["data"]["accept_url"] == f"{FRONTEND_URL}/accept-invite?code={new['code']}"
    assert resent["data"]["email"] == old["email"]
    lookup_old = await client.get(f"/api/v1/accounts/invites/{old['code']}/lookup")
    lookup_new = await client.get(f"/api/v1/accounts/invites/{new['code']}/lookup")
    assert lookup_old.status_code == 404
    assert lookup_new.status_code == 200


async def test_a_revoked_invite_cannot_be_resent(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    old = await invite(client, owner, new_email())
    await client.delete(f"{INVITES}/{old['id']}", headers=owner.headers)

    response = await client.post(f"{INVITES}/{old['id']}/resend", headers=owner.headers)

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot resend a revoked invite"}
    assert len(await invite_rows_of(db, owner.account_id)) == 1


async def test_unknown_invite_ids_are_404(client: httpx.AsyncClient) -> None:
    owner = await new_owner(client)
    unknown = uuid.uuid4()

    for response in (
        await client.delete(f"{INVITES}/{unknown}", headers=owner.headers),
        await client.post(f"{INVITES}/{unknown}/resend", headers=owner.headers),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Invite not found"}
    assert (await client.delete(f"{INVITES}/not-a-uuid", headers=owner.headers)).status_code == 422


async def test_a_pending_invite_is_looked_up_publicly_by_code(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client, name="Olive Owner")
    pending = await invite(client, owner, new_email(), role="admin")
    outbox_before = await rows(db, "SELECT count(*) AS n FROM outbox")

    response = await client.get(f"/api/v1/accounts/invites/{pending['code']}/lookup")

    assert response.status_code == 200
    assert response.json() == {
        "account_name": "Olive Owner's Account",
        "inviter_name": "Olive Owner",
        "invited_email": pending["email"],
        "role": "admin",
    }
    assert await rows(db, "SELECT count(*) AS n FROM outbox") == outbox_before
    assert (await invite_row(db, pending["id"]))["used_at"] is None


async def test_lookup_answers_one_404_for_unknown_expired_revoked_and_accepted_codes(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    member = await teammate(client, owner)
    [accepted] = [r for r in await invite_rows_of(db, owner.account_id) if r["email"] == member.email]
    expired = await invite(client, owner, new_email())
    await set_invite(db, expired["id"], "expires_at = now() - interval '1 second'")
    revoked = await invite(client, owner, new_email())
    await client.delete(f"{INVITES}/{revoked['id']}", headers=owner.headers)

    for code in ("x" * 22, accepted["code"], expired["code"], revoked["code"]):
        response = await client.get(f"/api/v1/accounts/invites/{code}/lookup")
        assert response.status_code == 404
        assert response.json() == UNAVAILABLE


async def other_shops_invite(client: httpx.AsyncClient) -> tuple[Member, dict[str, Any]]:
    other = await new_owner(client)
    return other, await invite(client, other, new_email("theirs"))


async def test_an_owner_cannot_see_or_touch_another_accounts_invites(
    client: httpx.AsyncClient, db: SessionFactory
) -> None:
    mine = await new_owner(client)
    await invite(client, mine, new_email("mine"))
    _, theirs = await other_shops_invite(client)

    listed = await client.get(INVITES, headers=mine.headers)
    revoke = await client.delete(f"{INVITES}/{theirs['id']}", headers=mine.headers)
    resend = await client.post(f"{INVITES}/{theirs['id']}/resend", headers=mine.headers)

    assert theirs["id"] not in {i["id"] for i in listed.json()}
    assert all(i["account_id"] == mine.account_id for i in listed.json())
    for response in (revoke, resend):
        assert response.status_code == 404
        assert response.json() == {"detail": "Invite not found"}
    row = await invite_row(db, theirs["id"])
    assert row["revoked_at"] is None
    assert [e["type"] for e in await events_of(db, theirs["id"])] == ["identity.invite.created"]


async def test_invites_are_created_only_in_the_callers_account(client: httpx.AsyncClient, db: SessionFactory) -> None:
    mine = await new_owner(client)
    other, _ = await other_shops_invite(client)

    # a member of another shop is not a member here, so inviting them is not a conflict
    created = await invite(client, mine, other.email)

    assert created["account_id"] == mine.account_id
    assert len(await invite_rows_of(db, other.account_id)) == 1


async def test_resending_to_someone_who_has_since_joined_is_409(client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    email = new_email()
    first = await invite(client, owner, email)
    second = await invite(client, owner, email)
    assert (await register(client, email, account_invite_code=second["code"])).status_code == 201

    response = await client.post(f"{INVITES}/{first['id']}/resend", headers=owner.headers)

    assert response.status_code == 409
    assert response.json() == {"detail": {"error": "already_member"}}
    assert (await invite_row(db, first["id"]))["revoked_at"] is None
    assert len(await invite_rows_of(db, owner.account_id)) == 2
