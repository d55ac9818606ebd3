"""Handlers of the events about account invites that identity consumes (events.md §4)."""

import logging
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from identity.invites import account_service
from shared.bus.consumer import Handler
from shared.events import EmailSent, Envelope

log = logging.getLogger(__name__)

INVITE_EMAIL_SOURCES = frozenset({"identity.invite.created", "identity.invite.resent"})


async def record_invite_email_sent(session: AsyncSession, envelope: Envelope, data: EmailSent) -> None:
    """`notifications.email.sent` for an invite email: stamp `email_sent_at` on the first send only."""
    if data.source_event_type not in INVITE_EMAIL_SOURCES:
        return
    raw = data.context.get("invite_id")
    try:
        invite_id = UUID(str(raw))
    except ValueError:
        log.warning("invite email report %s without a usable invite_id", envelope.id)
        return
    await account_service.mark_email_sent(session=session, invite_id=invite_id, sent_at=data.sent_at)


HANDLERS: dict[str, Handler[Any]] = {
    "notifications.email.sent": Handler(EmailSent, record_invite_email_sent),
}
