"""Runtime settings: the self-serve switch, invite requirement, tester allowlist and auto-verification.

Rows are created from the environment the first time the service starts; afterwards the database wins.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.runtime_settings.models import RuntimeSetting
from identity.settings import IdentitySettings


@dataclass(frozen=True)
class RuntimeValues:
    self_serve_enabled: bool
    require_invite_code: bool
    internal_tester_emails: tuple[str, ...]
    email_verification_enabled: bool

    def invite_code_required_for(self, email: str) -> bool:
        """The platform gate: codes are required unless self-serve is on or the email is a tester's."""
        if not self.require_invite_code or self.self_serve_enabled:
            return False
        return email.lower() not in self.internal_tester_emails


def initial_values(settings: IdentitySettings) -> dict[str, Any]:
    return {
        "self_serve_enabled": settings.self_serve_enabled,
        "require_invite_code": settings.require_invite_code,
        "internal_tester_emails": settings.tester_emails(),
        "email_verification_enabled": settings.email_verification_enabled,
    }


async def seed_missing(*, session: AsyncSession, settings: IdentitySettings) -> None:
    """Create each missing row from the environment; existing rows are left as they are."""
    rows = [{"key": key, "value": value} for key, value in initial_values(settings).items()]
    await session.execute(insert(RuntimeSetting).values(rows).on_conflict_do_nothing(index_elements=["key"]))


async def current(*, session: AsyncSession, settings: IdentitySettings) -> RuntimeValues:
    """The values in force; a row not yet seeded falls back to the environment."""
    values = initial_values(settings)
    for row in (await session.scalars(select(RuntimeSetting))).all():
        values[row.key] = row.value
    return RuntimeValues(
        self_serve_enabled=bool(values["self_serve_enabled"]),
        require_invite_code=bool(values["require_invite_code"]),
        internal_tester_emails=tuple(str(e).lower() for e in values["internal_tester_emails"]),
        email_verification_enabled=bool(values["email_verification_enabled"]),
    )
