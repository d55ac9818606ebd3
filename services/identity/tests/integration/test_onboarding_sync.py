"""Identity consumes onboarding's events: the wizard's company name renames the account (announced with
source `wizard`), and wizard progress updates the user's copy; older facts never overwrite newer ones."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from teams import Member, audit_of, events_about, new_owner, rows

from shared.bus.broker import build_message
from shared.bus.tables import inbox
from shared.db import SessionFactory
from shared.events import (
    EVENT_TYPES,
    Envelope,
    EventData,
    OnboardingDismissed,
    OnboardingStepCompleted,
    ShopProfileUpdated,
)
from shared.testing import poll


def envelope(data: EventData, occurred_at: datetime) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=EVENT_TYPES[type(data)],
        occurred_at=occurred_at,
        producer="onboarding",
        correlation_id="test",
        data=data.model_dump(mode="json"),
    )


async def deliver(app: Any, db: SessionFactory, event: Envelope) -> None:
    """Publish to the real broker and wait until identity's inbox has committed the event."""
    await app.state.runtime.publisher.publish(build_message(event.model_dump(mode="json"), {}), event.type)

    async def handled() -> bool:
        async with db() as session:
            return await session.scalar(select(inbox.c.event_id).where(inbox.c.event_id == event.id)) is not None

    await poll(handled, message=f"identity handled {event.type} {event.id}")


def profile_updated(owner: Member, updated_at: datetime, company_name: str | None) -> Envelope:
    data = ShopProfileUpdated(
        account_id=uuid.UUID(owner.account_id),
        company_name=company_name,
        team_size_bucket="3-5",
        updated_by=uuid.UUID(owner.id),
        updated_at=updated_at,
    )
    return envelope(data, updated_at)


def step_completed(owner: Member, occurred_at: datetime, step: int, *, dismissed: bool = False) -> Envelope:
    data = OnboardingStepCompleted(
        user_id=uuid.UUID(owner.id),
        account_id=uuid.UUID(owner.account_id),
        step=step,
        action="complete",
        onboarding_step_completed=step,
        onboarding_dismissed=dismissed,
        occurred_at=occurred_at,
    )
    return envelope(data, occurred_at)


def later(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def renames_of(db: SessionFactory, owner: Member) -> list[dict[str, Any]]:
    found = await events_about(db, "account_id", owner.account_id)
    return [e for e in found if e["type"] == "identity.account.renamed"]


async def account_name(client: httpx.AsyncClient, owner: Member) -> str:
    response = await client.get("/api/v1/accounts/me", headers=owner.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


async def wizard_copy(client: httpx.AsyncClient, owner: Member) -> tuple[int | None, bool]:
    me = (await client.get("/api/v1/auth/me", headers=owner.headers)).json()
    return me["onboarding_step_completed"], me["onboarding_dismissed"]


async def test_wizard_company_name_renames_the_account_and_announces_it(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client, name="Olive Owner")
    at = later(1)

    await deliver(app, db, profile_updated(owner, at, "  Acme IT "))

    assert await account_name(client, owner) == "Acme IT"
    [row] = await rows(db, "SELECT updated_at FROM accounts WHERE id = :id", id=uuid.UUID(owner.account_id))
    assert row["updated_at"] == at
    renamed = [
        e for e in await events_about(db, "account_id", owner.account_id) if e["type"] == "identity.account.renamed"
    ]
    assert [e["data"] for e in renamed] == [
        {
            "account_id": owner.account_id,
            "name": "Acme IT",
            "previous_name": "Olive Owner's Account",
            "renamed_by": owner.id,
            "source": "wizard",
        }
    ]
    [entry] = [a for a in await audit_of(db, owner.account_id) if a["action"] == "account.rename"]
    assert entry["details"]["source"] == "wizard"
    assert entry["actor_id"] == uuid.UUID(owner.id)


async def test_an_older_shop_profile_update_does_not_undo_a_newer_one(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)

    await deliver(app, db, profile_updated(owner, later(2), "Newer Name"))
    await deliver(app, db, profile_updated(owner, later(1), "Older Name"))

    assert await account_name(client, owner) == "Newer Name"
    renamed = [
        e for e in await events_about(db, "account_id", owner.account_id) if e["type"] == "identity.account.renamed"
    ]
    assert [e["data"]["name"] for e in renamed] == ["Newer Name"]


async def test_a_shop_profile_update_older_than_a_settings_rename_is_ignored(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client)
    before_rename = datetime.now(UTC) - timedelta(seconds=1)
    renamed = await client.patch("/api/v1/accounts/me", json={"name": "Chosen In Settings"}, headers=owner.headers)
    assert renamed.status_code == 200, renamed.text

    await deliver(app, db, profile_updated(owner, before_rename, "Typed In Wizard"))

    assert await account_name(client, owner) == "Chosen In Settings"


async def test_a_shop_profile_update_without_a_new_name_renames_nothing(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    owner = await new_owner(client, name="Sam Same")

    await deliver(app, db, profile_updated(owner, later(1), None))
    await deliver(app, db, profile_updated(owner, later(2), "Sam Same's Account"))
    await deliver(app, db, profile_updated(owner, later(3), "   "))

    assert await account_name(client, owner) == "Sam Same's Account"
    types = [e["type"] for e in await events_about(db, "account_id", owner.account_id)]
    assert "identity.account.renamed" not in types


async def test_a_shop_profile_of_an_unknown_account_is_consumed_without_effect(
    app: Any, client: httpx.AsyncClient, db: SessionFactory
) -> None:
    ghost = Member({"id": str(uuid.uuid4()), "account_id": str(uuid.uuid4()), "email": "x@example.com"}, "")

    await deliver(app, db, profile_updated(ghost, later(1), "Nobody"))

    assert await events_about(db, "account_id", ghost.account_id) == []


async def test_step_completed_updates_the_users_copy(app: Any, client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    assert await wizard_copy(client, owner) == (None, False)
    at = later(1)

    await deliver(app, db, step_completed(owner, at, 2))

    assert await wizard_copy(client, owner) == (2, False)
    [row] = await rows(db, "SELECT onboarding_synced_at FROM users WHERE id = :id", id=uuid.UUID(owner.id))
    assert row["onboarding_synced_at"] == at


async def test_dismissed_updates_the_users_copy(app: Any, client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    data = OnboardingDismissed(
        user_id=uuid.UUID(owner.id),
        account_id=uuid.UUID(owner.account_id),
        onboarding_step_completed=1,
        occurred_at=later(1),
    )

    await deliver(app, db, envelope(data, data.occurred_at))

    assert await wizard_copy(client, owner) == (1, True)


async def test_older_wizard_facts_are_ignored(app: Any, client: httpx.AsyncClient, db: SessionFactory) -> None:
    owner = await new_owner(client)
    newest = later(3)
    dismissed = OnboardingDismissed(
        user_id=uuid.UUID(owner.id),
        account_id=uuid.UUID(owner.account_id),
        onboarding_step_completed=3,
        occurred_at=newest,
    )

    await deliver(app, db, envelope(dismissed, newest))
    await deliver(app, db, step_completed(owner, later(2), 2))
    await deliver(app, db, step_completed(owner, newest, 1))

    assert await wizard_copy(client, owner) == (3, True)
    [row] = await rows(db, "SELECT onboarding_synced_at FROM users WHERE id = :id", id=uuid.UUID(owner.id))
    assert row["onboarding_synced_at"] == newest
