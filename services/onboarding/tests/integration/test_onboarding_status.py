import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from shared.bus.broker import build_message
from shared.events import Envelope, UserRegistered
from shared.testing import TestSigner, poll


def registered_event(user_id: uuid.UUID, account_id: uuid.UUID, *, joined: bool) -> Envelope:
    data = UserRegistered(
        user_id=user_id,
        account_id=account_id,
        email="a@example.com",
        name="A",
        account_role="owner",
        method="password",
        created_at=datetime.now(UTC),
        joined_existing_account=joined,
    )
    return Envelope(
        id=uuid.uuid4(),
        type="identity.user.registered",
        occurred_at=datetime.now(UTC),
        producer="identity",
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )


async def publish(app: Any, envelope: Envelope) -> None:
    runtime = app.state.runtime
    await runtime.publisher.publish(build_message(envelope.model_dump(mode="json"), {}), envelope.type)


async def test_status_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/users/onboarding-status")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


async def test_status_of_a_new_user_is_created_from_token_claims(client: httpx.AsyncClient, signer: TestSigner) -> None:
    token = signer.access_token(account_id=uuid.uuid4())
    response = await client.get("/api/v1/users/onboarding-status", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["onboarding_step_completed"] is None
    assert body["shop_setup_done"] is False
    assert body["email_verified"] is False
    assert body["is_team_user"] is False


async def test_invited_user_starts_at_step_three_from_registered_event(
    app: Any, client: httpx.AsyncClient, signer: TestSigner
) -> None:
    user_id, account_id = uuid.uuid4(), uuid.uuid4()
    await publish(app, registered_event(user_id, account_id, joined=True))
    token = signer.access_token(user_id=user_id, account_id=account_id, account_role="engineer")

    async def step() -> dict[str, Any] | None:
        response = await client.get("/api/v1/users/onboarding-status", headers={"Authorization": f"Bearer {token}"})
        body: dict[str, Any] = response.json()
        return body if body["onboarding_step_completed"] == 3 else None

    body = await poll(step, message="invited user's wizard state")
    assert body["invited_teammate"] is True
    assert body["shop_setup_done"] is True
