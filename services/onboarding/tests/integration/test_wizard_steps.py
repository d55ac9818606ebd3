"""PATCH /api/v1/users/me/onboarding-step: the rules of api.md §5 in order, the rows they write and the
events they publish."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from arrange import Tenant, deliver, envelope, profile_row, published, registered, tenant, user_row

from shared.db import SessionFactory
from shared.events import AccountCreated
from shared.testing import TestSigner

STEP = "/api/v1/users/me/onboarding-step"


async def step(client: httpx.AsyncClient, user: Tenant, **body: Any) -> httpx.Response:
    return await client.patch(STEP, json=body, headers=user.headers)


def account_created(user: Tenant, name: str) -> Any:
    return envelope(
        AccountCreated(
            account_id=user.account_id,
            name=name,
            display_code="ABCD1234",
            owner_id=user.user_id,
            owner_email="o@example.com",
            owner_name="O",
            signup_method="password",
            created_at=datetime.now(UTC),
        )
    )


async def test_completing_step_one_writes_the_shop_profile_and_announces_both_events(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await deliver(app, db, account_created(owner, "Olive's Account"), registered(owner))
    data = {"company_name": "  Acme IT  ", "team_size_bucket": "3-5", "role_at_signup": "lead_tech"}

    response = await step(client, owner, step=1, action="complete", data=data)

    assert response.status_code == 200, response.text
    assert response.json() == {"onboarding_step_completed": 1, "onboarding_dismissed": False}
    row = await user_row(db, owner.user_id)
    assert (row["onboarding_step_completed"], row["role_at_signup"]) == (1, "lead_tech")
    profile = await profile_row(db, owner.account_id)
    assert (profile["company_name"], profile["team_size_bucket"], profile["primary_psa"]) == ("Acme IT", "3-5", None)
    assert profile["updated_by"] == owner.user_id
    [completed] = await published(db, "onboarding.step.completed", "user_id", owner.user_id)
    assert completed["step"] == 1
    assert completed["action"] == "complete"
    assert completed["onboarding_step_completed"] == 1
    assert completed["onboarding_dismissed"] is False
    assert completed["account_id"] == str(owner.account_id)
    [updated] = await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id)
    assert updated["company_name"] == "Acme IT"
    assert updated["team_size_bucket"] == "3-5"
    assert updated["primary_psa"] is None
    assert updated["updated_by"] == str(owner.user_id)
    assert datetime.fromisoformat(updated["updated_at"]) == profile["updated_at"]
    status = (await client.get("/api/v1/users/onboarding-status", headers=owner.headers)).json()
    assert status["shop_setup_done"] is True
    assert status["onboarding_step_completed"] == 1


async def test_a_lower_step_is_400_step_cannot_decrease_and_changes_nothing(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    assert (await step(client, owner, step=2, action="skip")).status_code == 200

    response = await step(client, owner, step=1, action="complete", data={"company_name": "Late Name"})

    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "step_cannot_decrease", "current_step": 2, "requested_step": 1}}
    assert (await user_row(db, owner.user_id))["onboarding_step_completed"] == 2
    assert (await profile_row(db, owner.account_id))["company_name"] is None
    assert len(await published(db, "onboarding.step.completed", "user_id", owner.user_id)) == 1
    assert await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id) == []


async def test_the_same_step_again_succeeds_and_writes_its_data_again(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await step(client, owner, step=1, action="complete", data={"company_name": "First"})

    response = await step(client, owner, step=1, action="complete", data={"company_name": "Second"})

    assert response.status_code == 200
    assert (await profile_row(db, owner.account_id))["company_name"] == "Second"
    names = [
        e["company_name"]
        for e in await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id)
    ]
    assert names == ["First", "Second"]


async def test_skipping_ahead_is_allowed_from_a_row_made_from_the_token(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)

    response = await step(client, owner, step=3, action="complete")

    assert response.json() == {"onboarding_step_completed": 3, "onboarding_dismissed": False}
    row = await user_row(db, owner.user_id)
    assert row["account_id"] == owner.account_id
    assert row["user_created_at"] == datetime(2026, 1, 1, tzinfo=UTC)


async def test_account_level_fields_of_a_non_admin_are_ignored_but_their_own_role_is_kept(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    engineer = tenant(signer, role="engineer")
    data = {"company_name": "Not Mine", "team_size_bucket": "26+", "role_at_signup": "tech"}

    response = await step(client, engineer, step=1, action="complete", data=data)

    assert response.status_code == 200
    assert (await user_row(db, engineer.user_id))["role_at_signup"] == "tech"
    profile = await profile_row(db, engineer.account_id)
    assert (profile["company_name"], profile["team_size_bucket"]) == (None, None)
    assert await published(db, "onboarding.shop_profile.updated", "account_id", engineer.account_id) == []
    assert len(await published(db, "onboarding.step.completed", "user_id", engineer.user_id)) == 1


async def test_an_admin_may_write_account_level_fields(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    admin = tenant(signer, role="admin")

    await step(client, admin, step=2, action="complete", data={"primary_psa": "halopsa"})

    assert (await profile_row(db, admin.account_id))["primary_psa"] == "halopsa"
    [updated] = await published(db, "onboarding.shop_profile.updated", "account_id", admin.account_id)
    assert (updated["company_name"], updated["primary_psa"]) == (None, "halopsa")


async def test_skip_ignores_data_entirely(client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory) -> None:
    owner = tenant(signer)
    data = {"company_name": "Skipped", "team_size_bucket": "1-2", "role_at_signup": "owner"}

    response = await step(client, owner, step=1, action="skip", data=data)

    assert response.json() == {"onboarding_step_completed": 1, "onboarding_dismissed": False}
    assert (await user_row(db, owner.user_id))["role_at_signup"] is None
    assert (await profile_row(db, owner.account_id))["company_name"] is None
    [completed] = await published(db, "onboarding.step.completed", "user_id", owner.user_id)
    assert completed["action"] == "skip"
    assert await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id) == []


async def test_only_fields_sent_non_null_are_written(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await deliver(app, db, account_created(owner, "Kept Name"))

    await step(client, owner, step=1, action="complete", data={"company_name": None, "team_size_bucket": "6-10"})

    profile = await profile_row(db, owner.account_id)
    assert (profile["company_name"], profile["team_size_bucket"]) == ("Kept Name", "6-10")
    [updated] = await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id)
    assert (updated["company_name"], updated["team_size_bucket"]) == (None, "6-10")


async def test_each_step_writes_only_its_own_fields(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    everything = {"company_name": "X", "team_size_bucket": "1-2", "role_at_signup": "other", "primary_psa": "autotask"}

    await step(client, owner, step=2, action="complete", data=everything)
    await step(client, owner, step=3, action="complete", data=everything)

    profile = await profile_row(db, owner.account_id)
    assert (profile["company_name"], profile["team_size_bucket"], profile["primary_psa"]) == (None, None, "autotask")
    assert (await user_row(db, owner.user_id))["role_at_signup"] is None
    assert len(await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id)) == 1


async def test_unchanged_account_level_fields_publish_no_profile_update(
    client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    data = {"company_name": "Same", "team_size_bucket": "3-5"}
    await step(client, owner, step=1, action="complete", data=data)

    await step(client, owner, step=1, action="complete", data=data)

    assert len(await published(db, "onboarding.shop_profile.updated", "account_id", owner.account_id)) == 1
    assert len(await published(db, "onboarding.step.completed", "user_id", owner.user_id)) == 2


async def test_a_later_registered_event_keeps_the_progress_made_first(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await step(client, owner, step=2, action="skip")

    await deliver(app, db, registered(owner))

    assert (await user_row(db, owner.user_id))["onboarding_step_completed"] == 2


async def test_invalid_step_bodies_are_422(client: httpx.AsyncClient, signer: TestSigner) -> None:
    owner = tenant(signer)
    bodies: list[dict[str, Any]] = [
        {"step": 0, "action": "complete"},
        {"step": 4, "action": "complete"},
        {"step": 1, "action": "finish"},
        {"step": 1, "action": "complete", "data": {"company_name": "   "}},
        {"step": 1, "action": "complete", "data": {"company_name": "x" * 256}},
        {"step": 1, "action": "complete", "data": {"team_size_bucket": "7"}},
        {"step": 1, "action": "complete", "data": {"role_at_signup": "ceo"}},
        {"step": 2, "action": "complete", "data": {"primary_psa": "jira"}},
    ]
    for body in bodies:
        response = await step(client, owner, **body)
        assert response.status_code == 422, body
        assert isinstance(response.json()["detail"], list)


async def test_step_needs_a_tenant_token(client: httpx.AsyncClient, signer: TestSigner) -> None:
    assert (await client.patch(STEP, json={"step": 1, "action": "skip"})).status_code == 401
    no_account = signer.access_token(user_id=uuid.uuid4())
    response = await client.patch(
        STEP, json={"step": 1, "action": "skip"}, headers={"Authorization": f"Bearer {no_account}"}
    )
    assert response.status_code == 403
    assert response.json() == {"detail": {"error": "no_account"}}
