"""Unsubscribing (RFC 8058 one-click or the emailed link): the address stops getting that category."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.emails.errors import UnsubscribeTokenInvalid
from notifications.emails.models import EmailMessage, EmailSuppression


async def unsubscribe(*, session: AsyncSession, token: str, now: datetime) -> str:
    """Suppress the category of the email that carried `token` for its address; returns the category.
    Idempotent: the first unsubscribe is the one remembered."""
    found = (
        await session.execute(
            select(EmailMessage.id, EmailMessage.to_email, EmailMessage.category).where(
                EmailMessage.unsubscribe_token == token
            )
        )
    ).first()
    if found is None:
        raise UnsubscribeTokenInvalid()
    await session.execute(
        pg_insert(EmailSuppression)
        .values(email=found.to_email.lower(), category=found.category, source_message_id=found.id, created_at=now)
        .on_conflict_do_nothing(index_elements=["email", "category"])
    )
    return str(found.category)
