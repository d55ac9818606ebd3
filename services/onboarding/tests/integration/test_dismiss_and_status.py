"""Dismissing the wizard (both routes) and the fields of GET /api/v1/users/onboarding-status."""

from typing import Any

import httpx
from arrange import deliver, published, registered, tenant, user_row

from shared.db import SessionFactory
from shared.testing import TestSigner

STATUS = "/api/v1/users/onboarding-status"


async def test_dismiss_answers_the_status_and_announces_it(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await client.patch("/api/v1/users/me/onboarding-step", json={"step": 1, "action": "skip"}, headers=owner.headers)

    response = await client.post("/api/v1/users/onboarding-dismiss", headers=owner.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["dismissed"] is True
    assert body["onboarding_step_completed"] == 1
    assert set(body) == {
        "created_flow", "ran_session", "exported_session", "tried_ai_assistant", "invited_teammate",
        "connected_psa", "is_team_user", "dismissed", "email_verified", "shop_setup_done",
        "onboarding_step_completed",
    }  # fmt: skip
    assert (await user_row(db, owner.user_id))["onboarding_dismissed"] is True
    [event] = await published(db, "onboarding.dismissed", "user_id", owner.user_id)
    assert event["account_id"] == str(owner.account_id)
    assert (event["onboarding_step_completed"], event["onboarding_dismissed"]) == (1, True)
    assert event["occurred_at"]


async def test_dismiss_rest_answers_the_wizard_state_and_announces_it(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)

    response = await client.post("/api/v1/users/me/onboarding-dismiss-rest", headers=owner.headers)

    assert response.status_code == 200
    assert response.json() == {"onboarding_step_completed": None, "onboarding_dismissed": True}
    assert (await user_row(db, owner.user_id))["onboarding_dismissed"] is True
    [event] = await published(db, "onboarding.dismissed", "user_id", owner.user_id)
    assert (event["onboarding_step_completed"], event["onboarding_dismissed"]) == (None, True)
    status = (await client.get(STATUS, headers=owner.headers)).json()
    assert status["dismissed"] is True


async def test_dismiss_routes_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/users/onboarding-dismiss")).status_code == 401
    assert (await client.post("/api/v1/users/me/onboarding-dismiss-rest")).status_code == 401


async def test_email_verified_comes_from_the_token_claim(client: httpx.AsyncClient, signer: TestSigner) -> None:
    verified = tenant(signer, email_verified_at="2026-02-01T00:00:00+00:00")

    status = (await client.get(STATUS, headers=verified.headers)).json()

    assert status["email_verified"] is True


async def test_is_team_user_once_the_account_has_two_members(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await deliver(app, db, registered(owner))
    assert (await client.get(STATUS, headers=owner.headers)).json()["is_team_user"] is False

    mate = tenant(signer, account_id=owner.account_id, role="engineer")
    await deliver(app, db, registered(mate, joined=True))

    assert (await client.get(STATUS, headers=owner.headers)).json()["is_team_user"] is True
    mate_status = (await client.get(STATUS, headers=mate.headers)).json()
    assert mate_status["is_team_user"] is True
    assert mate_status["onboarding_step_completed"] == 3
