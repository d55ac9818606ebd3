"""Writing audit trail rows (who changed what, before/after, never secrets) into a service's own
`audit_log` table; every service's table has the same shape (data-model.md)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import correlation_id_var


@dataclass(frozen=True)
class AuditTrail:
    """Records into the mapped `audit_log` class `entry` of one service."""

    entry: Callable[..., Any]

    async def record(
        self,
        *,
        session: AsyncSession,
        actor_id: UUID | None,
        action: str,
        entity_type: str,
        entity_id: str | UUID | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Add an `audit_log` row in the caller's transaction, tagged with the request id."""
        session.add(
            self.entry(
                actor_id=actor_id,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id) if entity_id is not None else None,
                details=details or {},
                request_id=correlation_id_var.get(),
            )
        )
        await session.flush()
