"""Teammate invites through the gateway: invite → email with the accept link → public lookup → the invitee
registers with the code and joins the owner's account → the invite reads accepted with its email sent."""

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from shared.testing import poll

from .flows import bearer, login, new_email, register, register_invited, wait_for_mail


async def test_an_invited_teammate_joins_the_owners_account(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    owner_email = new_email("owner")
    assert (await register(gateway, owner_email, name="Dana Shop")).status_code == 201
    owner = await login(gateway, owner_email)
    invitee_email = new_email("teammate")

    created = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": invitee_email, "role": "admin"}, headers=bearer(owner)
    )
    assert created.status_code == 201, created.text
    invite = created.json()
    assert invite["status"] == "pending"
    assert invite["email"] == invitee_email.lower()

    [message] = await wait_for_mail(mail, invitee_email)
    assert message["subject"] == "You're invited to join Dana Shop's Account"
    link = re.search(r"http://spa\.test/accept-invite\?code=[A-Za-z0-9_\-]{22}", message["text"])
    assert link is not None, message["text"]
    code = parse_qs(urlparse(link.group(0)).query)["code"][0]
    assert code == invite["code"]

    lookup = await gateway.get(f"/api/v1/accounts/invites/{code}/lookup")
    assert lookup.status_code == 200, lookup.text
    assert lookup.json() == {
        "account_name": "Dana Shop's Account",
        "inviter_name": "Dana Shop",
        "invited_email": invitee_email.lower(),
        "role": "admin",
    }

    joined = await register_invited(gateway, invitee_email, code)
    assert joined.status_code == 201, joined.text
    teammate = joined.json()
    owner_me = (await gateway.get("/api/v1/auth/me", headers=bearer(owner))).json()
    assert teammate["account_id"] == owner_me["account_id"]
    assert teammate["account_role"] == "admin"

    teammate_tokens = await login(gateway, invitee_email)
    for tokens in (owner, teammate_tokens):
        members = await gateway.get("/api/v1/accounts/me/members", headers=bearer(tokens))
        assert members.status_code == 200, members.text
        assert [(m["email"], m["account_role"]) for m in members.json()] == [
            (owner_email.lower(), "owner"),
            (invitee_email.lower(), "admin"),
        ]

    async def accepted_and_sent() -> dict[str, Any] | None:
        listed = await gateway.get("/api/v1/accounts/me/invites", headers=bearer(owner))
        assert listed.status_code == 200, listed.text
        [row] = [i for i in listed.json() if i["id"] == invite["id"]]
        return row if row["status"] == "accepted" and row["email_sent_at"] is not None else None

    row = await poll(accepted_and_sent, timeout=20.0, interval=0.2, message="invite accepted with email_sent_at")
    assert row["accepted_by_id"] == teammate["id"]

    gone = await gateway.get(f"/api/v1/accounts/invites/{code}/lookup")
    assert gone.status_code == 404
    assert gone.json() == {"detail": {"error": "invite_invalid_or_expired_or_revoked"}}


async def test_registering_with_someone_elses_invite_code_is_refused(gateway: httpx.AsyncClient) -> None:
    owner_email = new_email("owner")
    assert (await register(gateway, owner_email)).status_code == 201
    owner = await login(gateway, owner_email)
    created = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": new_email("intended")}, headers=bearer(owner)
    )
    assert created.status_code == 201, created.text

    response = await register_invited(gateway, new_email("intruder"), created.json()["code"])

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "invite_email_mismatch"}}
