"""Runtime settings: the self-serve switch, invite requirement, tester allowlist and auto-verification.

Rows are created from the environment the first time the service starts; afterwards the database wins.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.audit import service as audit
from identity.runtime_settings.models import RuntimeSetting
from identity.settings import IdentitySettings
from shared.bus.outbox import Outbox
from shared.events import SettingsChanged


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


@dataclass(frozen=True)
class Snapshot:
    """All four values plus who changed them last and when (the latest row wins)."""

    values: dict[str, Any]
    updated_at: datetime | None
    updated_by: UUID | None


def _snapshot(values: dict[str, Any], rows: list[RuntimeSetting]) -> Snapshot:
    latest = max(rows, key=lambda row: row.updated_at, default=None)
    return Snapshot(
        values=values,
        updated_at=latest.updated_at if latest else None,
        updated_by=latest.updated_by if latest else None,
    )


async def snapshot(*, session: AsyncSession, settings: IdentitySettings) -> Snapshot:
    rows = list((await session.scalars(select(RuntimeSetting))).all())
    values = initial_values(settings) | {row.key: row.value for row in rows}
    return _snapshot(values, rows)


async def change(
    *,
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    changes: dict[str, Any],
    actor_id: UUID,
    now: datetime,
) -> Snapshot:
    """Apply `changes` (already normalised); each key whose value really changes gets its row, an audit
    entry, and a place in one `identity.settings.changed`. Rows are locked so concurrent edits queue."""
    rows = {row.key: row for row in (await session.scalars(select(RuntimeSetting).with_for_update())).all()}
    values = initial_values(settings) | {key: row.value for key, row in rows.items()}
    changed: dict[str, dict[str, Any]] = {}
    for key, new in changes.items():
        old = values[key]
        if old == new:
            continue
        changed[key] = {"old": old, "new": new}
        values[key] = new
        row = rows.get(key)
        if row is None:
            row = rows[key] = RuntimeSetting(key=key)
            session.add(row)
        row.value = new
        row.updated_at = now
        row.updated_by = actor_id
        await audit.record(
            session=session,
            actor_id=actor_id,
            action="settings.update",
            entity_type="runtime_setting",
            entity_id=key,
            details={"before": {key: old}, "after": {key: new}},
        )
    if changed:
        await outbox.add(session, SettingsChanged(changed=changed, settings=dict(values), changed_by=actor_id))
    return _snapshot(values, list(rows.values()))
