"""The welcome wizard through the gateway: register → three wizard steps → identity renames the account
and keeps its copy of the progress → the checklist fills in from invites and product activity; and a
sales lead reaches the sales inbox with Reply-To the lead. (The sixth lead from one address → 429 is the
gateway's rate limit, off in this stack: RATE_LIMITS_ENABLED=false; it is covered at the gateway's level.)"""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from shared.bus.broker import Publisher, build_message
from shared.bus.names import BusNames
from shared.events import ActivityRecorded, Envelope
from shared.testing import poll

from .conftest import RunningStack
from .flows import bearer, login, new_email, register, wait_for_mail_with_subject

STATUS = "/api/v1/users/onboarding-status"
STEP = "/api/v1/users/me/onboarding-step"


async def status_of(gateway: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.get(STATUS, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def until_status(gateway: httpx.AsyncClient, tokens: dict[str, Any], field: str) -> dict[str, Any]:
    async def flipped() -> dict[str, Any] | None:
        body = await status_of(gateway, tokens)
        return body if body[field] is True else None

    return await poll(flipped, timeout=20.0, interval=0.1, message=f"onboarding status {field}")


async def publish_activity(running_stack: RunningStack, *, account_id: str, user_id: str, activity: str) -> None:
    """What the product upstream does: publish `product.activity.recorded` on the stack's exchange."""
    env = running_stack.stack.env
    names = BusNames(namespace=env["EVENTS_NAMESPACE"])
    now = datetime.now(UTC)
    data = ActivityRecorded.model_validate(
        {"account_id": account_id, "user_id": user_id, "activity": activity, "occurred_at": now}
    )
    event = Envelope(
        id=uuid.uuid4(),
        type="product.activity.recorded",
        occurred_at=now,
        producer="product",
        correlation_id=f"e2e-{uuid.uuid4().hex[:8]}",
        data=data.model_dump(mode="json"),
    )
    publisher = Publisher(env["AMQP_URL"], names)
    try:
        await publisher.publish(build_message(event.model_dump(mode="json"), {}), event.type)
    finally:
        await publisher.close()


async def test_the_wizard_renames_the_account_and_the_checklist_fills_in(
    gateway: httpx.AsyncClient, running_stack: RunningStack
) -> None:
    email = new_email("wizard")
    assert (await register(gateway, email, name="Wendy Wizard")).status_code == 201
    tokens = await login(gateway, email)
    first = await status_of(gateway, tokens)
    assert (first["shop_setup_done"], first["onboarding_step_completed"], first["dismissed"]) == (False, None, False)

    step1 = await gateway.patch(
        STEP,
        json={
            "step": 1,
            "action": "complete",
            "data": {"company_name": " Acme IT ", "team_size_bucket": "3-5", "role_at_signup": "owner"},
        },
        headers=bearer(tokens),
    )
    assert step1.status_code == 200, step1.text
    assert step1.json() == {"onboarding_step_completed": 1, "onboarding_dismissed": False}
    step2 = await gateway.patch(
        STEP, json={"step": 2, "action": "complete", "data": {"primary_psa": "connectwise"}}, headers=bearer(tokens)
    )
    assert step2.json() == {"onboarding_step_completed": 2, "onboarding_dismissed": False}
    step3 = await gateway.patch(STEP, json={"step": 3, "action": "complete"}, headers=bearer(tokens))
    assert step3.json() == {"onboarding_step_completed": 3, "onboarding_dismissed": False}
    back = await gateway.patch(STEP, json={"step": 1, "action": "skip"}, headers=bearer(tokens))
    assert back.status_code == 400
    assert back.json() == {"detail": {"error": "step_cannot_decrease", "current_step": 3, "requested_step": 1}}

    async def renamed() -> dict[str, Any] | None:
        account: dict[str, Any] = (await gateway.get("/api/v1/accounts/me", headers=bearer(tokens))).json()
        return account if account["name"] == "Acme IT" else None

    await poll(renamed, timeout=20.0, interval=0.1, message="account renamed by the wizard")

    async def identity_copy() -> dict[str, Any] | None:
        me: dict[str, Any] = (await gateway.get("/api/v1/auth/me", headers=bearer(tokens))).json()
        return me if me["onboarding_step_completed"] == 3 else None

    me = await poll(identity_copy, timeout=20.0, interval=0.1, message="identity's copy of the wizard step")
    assert me["onboarding_dismissed"] is False

    status = await status_of(gateway, tokens)
    assert (status["shop_setup_done"], status["onboarding_step_completed"]) == (True, 3)
    assert (status["invited_teammate"], status["created_flow"], status["is_team_user"]) == (False, False, False)

    invited = await gateway.post(
        "/api/v1/accounts/me/invites", json={"email": new_email("mate")}, headers=bearer(tokens)
    )
    assert invited.status_code == 201, invited.text
    await until_status(gateway, tokens, "invited_teammate")

    await publish_activity(running_stack, account_id=me["account_id"], user_id=me["id"], activity="flow_created")
    status = await until_status(gateway, tokens, "created_flow")
    assert (status["ran_session"], status["connected_psa"]) == (False, False)

    dismissed = await gateway.post("/api/v1/users/me/onboarding-dismiss-rest", headers=bearer(tokens))
    assert dismissed.json() == {"onboarding_step_completed": 3, "onboarding_dismissed": True}

    async def identity_dismissed() -> bool:
        me: dict[str, Any] = (await gateway.get("/api/v1/auth/me", headers=bearer(tokens))).json()
        return bool(me["onboarding_dismissed"])

    await poll(identity_dismissed, timeout=20.0, interval=0.1, message="identity's copy of the dismissal")


async def test_a_sales_lead_reaches_the_sales_inbox_with_reply_to_the_lead(
    gateway: httpx.AsyncClient, mail: httpx.AsyncClient
) -> None:
    lead_email = new_email("buyer")
    company = f"Buyer MSP {uuid.uuid4().hex[:6]}"

    response = await gateway.post(
        "/api/v1/sales-leads",
        json={
            "email": f"  {lead_email} ",
            "name": " Bea Buyer ",
            "company": company,
            "team_size": "6-10",
            "message": "Please call",
            "source": "pricing_page",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "received"
    uuid.UUID(body["id"])
    subject = f"[Sales] New lead — {company} ({lead_email.lower()})"
    message = await wait_for_mail_with_subject(mail, "sales@example.com", subject)
    assert message["headers"]["Reply-To"] == lead_email.lower()
    assert company in message["text"]
