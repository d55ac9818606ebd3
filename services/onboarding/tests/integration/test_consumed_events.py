"""The events onboarding consumes, delivered through the real broker in either order: identity's
registration, verification, invites and renames, and the product's activity."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from arrange import activity, deliver, envelope, profile_row, registered, tenant, user_row

from shared.db import SessionFactory
from shared.events import AccountCreated, AccountRenamed, InviteCreated, UserEmailVerified
from shared.testing import TestSigner

STATUS = "/api/v1/users/onboarding-status"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def verified(user: Any, when: datetime) -> Any:
    data = UserEmailVerified(
        user_id=user.user_id, account_id=user.account_id, email="v@example.com", email_verified_at=when, method="link"
    )
    return envelope(data, when)


def invite_created(user: Any, when: datetime) -> Any:
    data = InviteCreated(
        invite_id=user.user_id,
        account_id=user.account_id,
        account_name="Acct",
        invited_by_id=user.user_id,
        inviter_name="O",
        email="new@example.com",
        role="engineer",
        accept_url="http://spa.test/accept-invite?code=x",
    )
    return envelope(data, when)


def renamed(user: Any, name: str, when: datetime) -> Any:
    data = AccountRenamed(account_id=user.account_id, name=name, previous_name="Old", source="account_settings")
    return envelope(data, when)


def account_created(user: Any, name: str) -> Any:
    data = AccountCreated(
        account_id=user.account_id,
        name=name,
        display_code="ABCD1234",
        owner_id=user.user_id,
        owner_email="o@example.com",
        owner_name="O",
        signup_method="password",
        created_at=T0,
    )
    return envelope(data, T0)


async def status_of(client: httpx.AsyncClient, user: Any) -> dict[str, Any]:
    response = await client.get(STATUS, headers=user.headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_email_verified_before_registration_creates_the_row_and_survives_it(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    user = tenant(signer)

    await deliver(app, db, verified(user, at(5)))
    assert (await user_row(db, user.user_id))["email_verified_at"] == at(5)
    await deliver(app, db, registered(user))

    assert (await user_row(db, user.user_id))["email_verified_at"] == at(5)
    assert (await status_of(client, user))["email_verified"] is True


async def test_an_invite_stamps_every_member_and_members_who_join_later(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    admin = tenant(signer, account_id=owner.account_id, role="admin")
    await deliver(app, db, registered(owner), registered(admin))

    await deliver(app, db, invite_created(owner, at(10)))
    await deliver(app, db, invite_created(owner, at(20)))

    assert (await profile_row(db, owner.account_id))["invited_teammate_at"] == at(10)
    assert (await user_row(db, owner.user_id))["invited_teammate"] == at(10)
    assert (await user_row(db, admin.user_id))["invited_teammate"] == at(10)
    assert (await status_of(client, admin))["invited_teammate"] is True
    late = tenant(signer, account_id=owner.account_id)
    await deliver(app, db, registered(late))
    assert (await user_row(db, late.user_id))["invited_teammate"] == at(10)
    from_token = tenant(signer, account_id=owner.account_id)
    assert (await status_of(client, from_token))["invited_teammate"] is True


async def test_an_earlier_invite_arriving_late_keeps_the_first_time(
    app: Any, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await deliver(app, db, registered(owner))

    await deliver(app, db, invite_created(owner, at(20)))
    await deliver(app, db, invite_created(owner, at(10)))

    assert (await profile_row(db, owner.account_id))["invited_teammate_at"] == at(10)
    assert (await user_row(db, owner.user_id))["invited_teammate"] == at(10)


async def test_a_rename_sets_the_company_name_and_an_older_one_is_ignored(
    app: Any, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    await deliver(app, db, account_created(owner, "Olive's Account"))

    await deliver(app, db, renamed(owner, "Newest", at(30)))
    await deliver(app, db, renamed(owner, "Older", at(20)))

    profile = await profile_row(db, owner.account_id)
    assert (profile["company_name"], profile["company_name_as_of"]) == ("Newest", at(30))


async def test_account_created_after_a_rename_keeps_the_renamed_name(
    app: Any, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)

    await deliver(app, db, renamed(owner, "Renamed", at(30)))
    await deliver(app, db, account_created(owner, "Original"))

    assert (await profile_row(db, owner.account_id))["company_name"] == "Renamed"


async def test_user_activity_stamps_the_first_occurrence_on_the_acting_users_row(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    user = tenant(signer)
    mate = tenant(signer, account_id=user.account_id)
    await deliver(app, db, registered(user), registered(mate))

    await deliver(
        app,
        db,
        activity(user, "flow_created", at(5)),
        activity(user, "flow_created", at(9)),
        activity(user, "flow_created", at(3)),
        activity(user, "session_run", at(6)),
        activity(user, "session_exported", at(7)),
        activity(user, "ai_assistant_used", at(8)),
        activity(user, "flow_deleted", at(10)),
        activity(user, "ai_build", at(11)),
    )

    row = await user_row(db, user.user_id)
    assert (row["created_flow"], row["ran_session"]) == (at(3), at(6))
    assert (row["exported_session"], row["tried_ai_assistant"]) == (at(7), at(8))
    status = await status_of(client, user)
    checklist = ("created_flow", "ran_session", "exported_session", "tried_ai_assistant")
    assert [status[fact] for fact in checklist] == [True, True, True, True]
    mate_status = await status_of(client, mate)
    assert [mate_status[fact] for fact in checklist] == [False, False, False, False]


async def test_activity_before_registration_creates_the_row(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    user = tenant(signer)

    await deliver(app, db, activity(user, "session_run", at(1)))
    await deliver(app, db, registered(user))

    assert (await user_row(db, user.user_id))["ran_session"] == at(1)
    assert (await status_of(client, user))["ran_session"] is True


async def test_psa_connection_is_account_wide_and_copied_to_later_members(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    mate = tenant(signer, account_id=owner.account_id, role="engineer")
    await deliver(app, db, registered(owner), registered(mate, joined=True))

    await deliver(app, db, activity(owner, "psa_connected", at(10)))

    assert (await profile_row(db, owner.account_id))["connected_psa_at"] == at(10)
    assert (await user_row(db, mate.user_id))["connected_psa"] == at(10)
    assert (await status_of(client, mate))["connected_psa"] is True
    late = tenant(signer, account_id=owner.account_id)
    await deliver(app, db, registered(late))
    assert (await status_of(client, late))["connected_psa"] is True


async def test_psa_disconnect_clears_every_member_and_an_older_one_is_ignored(
    app: Any, client: httpx.AsyncClient, signer: TestSigner, db: SessionFactory
) -> None:
    owner = tenant(signer)
    mate = tenant(signer, account_id=owner.account_id)
    await deliver(app, db, registered(owner), registered(mate))
    await deliver(app, db, activity(owner, "psa_connected", at(10)))

    await deliver(app, db, activity(owner, "psa_disconnected", at(5)))
    assert (await status_of(client, mate))["connected_psa"] is True

    await deliver(app, db, activity(owner, "psa_disconnected", at(15)))
    assert (await status_of(client, owner))["connected_psa"] is False
    assert (await user_row(db, mate.user_id))["connected_psa"] is None
    profile = await profile_row(db, owner.account_id)
    assert (profile["connected_psa_at"], profile["connected_psa_as_of"]) == (None, at(15))

    await deliver(app, db, activity(owner, "psa_connected", at(12)))
    assert (await status_of(client, mate))["connected_psa"] is False
    await deliver(app, db, activity(owner, "psa_connected", at(20)))
    assert (await user_row(db, mate.user_id))["connected_psa"] == at(20)


async def test_activity_without_a_user_stamps_no_user_fact(app: Any, signer: TestSigner, db: SessionFactory) -> None:
    owner = tenant(signer)
    await deliver(app, db, registered(owner))
    event = activity(owner, "flow_created", at(1))
    event.data["user_id"] = None

    await deliver(app, db, event)

    assert (await user_row(db, owner.user_id))["created_flow"] is None
