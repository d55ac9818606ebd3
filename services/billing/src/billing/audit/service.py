"""The audit trail of billing: who changed what, with before/after details (never secrets)."""

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing.audit.models import AuditLog
from shared.context import correlation_id_var


async def record(
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
        AuditLog(
            actor_id=actor_id,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id) if entity_id is not None else None,
            details=details or {},
            request_id=correlation_id_var.get(),
        )
    )
    await session.flush()
