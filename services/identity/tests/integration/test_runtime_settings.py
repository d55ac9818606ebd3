from typing import Any

from sqlalchemy import text

from identity.runtime_settings import service
from identity.settings import IdentitySettings
from shared.db import SessionFactory, transaction


async def stored(db: SessionFactory) -> dict[str, Any]:
    async with db() as session:
        result = await session.execute(text("SELECT key, value FROM runtime_settings"))
        return {row.key: row.value for row in result}


async def test_runtime_settings_are_seeded_from_the_environment_at_start(app: Any, db: SessionFactory) -> None:
    assert await stored(db) == {
        "self_serve_enabled": False,
        "require_invite_code": False,
        "internal_tester_emails": [],
        "email_verification_enabled": True,
    }


async def test_a_later_start_keeps_the_values_already_in_the_database(app: Any, db: SessionFactory) -> None:
    before = await stored(db)
    other_environment = IdentitySettings(
        require_invite_code=True, internal_tester_emails=" QA@Example.com ,", email_verification_enabled=False
    )

    async with transaction(db) as session:
        await service.seed_missing(session=session, settings=other_environment)

    assert await stored(db) == before
    assert other_environment.tester_emails() == ["qa@example.com"]
