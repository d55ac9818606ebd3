"""The delivery log as a super admin sees it: newest first, and a retry of what did not go out."""

import logging
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.emails.errors import AlreadySent, MessageNotFound, UnknownCursor
from notifications.emails.models import EmailMessage
from shared.bus.outbox import Outbox
from shared.events import EmailRetryRequested

log = logging.getLogger(__name__)

# a queued message untouched for longer than the longest delay queue (10m) plus a send's timeout has
# lost its event (dead-lettered by a non-provider error, or dropped): only then may a retry restart it
STUCK_AFTER = timedelta(minutes=15)


async def list_messages(
    *,
    session: AsyncSession,
    status: str | None = None,
    template: str | None = None,
    to_email: str | None = None,
    limit: int = 50,
    before: UUID | None = None,
) -> tuple[list[EmailMessage], UUID | None]:
    """One page, newest first (by `created_at`, then id), and the cursor of the next page or None."""
    query = select(EmailMessage)
    if status is not None:
        query = query.where(EmailMessage.status == status)
    if template is not None:
        query = query.where(EmailMessage.template == template)
    if to_email is not None:
        query = query.where(func.lower(EmailMessage.to_email) == to_email.strip().lower())
    if before is not None:
        cursor = (
            await session.execute(select(EmailMessage.created_at, EmailMessage.id).where(EmailMessage.id == before))
        ).first()
        if cursor is None:
            raise UnknownCursor()
        query = query.where(tuple_(EmailMessage.created_at, EmailMessage.id) < tuple_(cursor.created_at, cursor.id))
    query = query.order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc()).limit(limit + 1)
    rows = list((await session.scalars(query)).all())
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


async def request_retry(
    *, session: AsyncSession, outbox: Outbox, message_id: UUID, admin_id: UUID, now: datetime
) -> EmailMessage:
    """Put a failed (or stuck queued) message back in the queue with attempts 0 and announce the retry in
    the same transaction. A message still in its normal retry cycle is left as it is: asking twice
    never starts a second chain of attempts."""
    message = (
        await session.execute(select(EmailMessage).where(EmailMessage.id == message_id).with_for_update())
    ).scalar_one_or_none()
    if message is None:
        raise MessageNotFound()
    if message.status == "sent":
        raise AlreadySent()
    if message.status == "queued" and message.updated_at > now - STUCK_AFTER:
        log.info(
            "email retry requested while still in delivery; left as it is",
            extra={"message_id": str(message.id), "admin_id": str(admin_id), "attempts": message.attempts},
        )
        return message
    previous_status = message.status
    message.status = "queued"
    message.attempts = 0
    message.updated_at = now
    await outbox.add(session, EmailRetryRequested(message_id=message.id, requested_by=admin_id, requested_at=now))
    log.info(
        "email retry requested",
        extra={
            "message_id": str(message.id),
            "admin_id": str(admin_id),
            "template": message.template,
            "previous_status": previous_status,
        },
    )
    return message
