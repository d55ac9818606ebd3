"""Delivery rules of events.md §5: one email per `<template>:<source event id>`, retries, redaction.

An event's handler runs in the consumer's inbox transaction, which a failing handler rolls back. So the
attempt is claimed (row inserted `queued`, `attempts` + 1) and a transient failure recorded in short
transactions of their own that survive the rollback; the success (`sent` + `notifications.email.sent`)
commits with the inbox row. A crash between the provider's acceptance and that commit sends again on
redelivery: delivery is at least once, never silently lost.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.emails.models import EmailMessage, EmailSuppression
from notifications.emails.providers import (
    EmailProvider,
    OutgoingEmail,
    PermanentProviderError,
    TransientProviderError,
)
from notifications.emails.rendering import Renderer
from notifications.settings import NotificationsSettings
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory
from shared.events import EmailFailed, EmailSent, Envelope

Category = Literal["transactional", "reminders"]

REDACTED = "redacted"
TOKEN_BEARING_KEYS = frozenset(
    {"verification_url", "reset_url", "accept_url", "register_url", "unsubscribe_url", "code"}
)


@dataclass(frozen=True)
class EmailRequest:
    """What a consumed event asks for: a template, a recipient and the template's values (JSON-able)."""

    template: str
    to_email: str | None
    values: dict[str, Any]
    event_context: dict[str, Any] = field(default_factory=dict)
    reply_to: str | None = None
    category: Category = "transactional"


def valid_address(address: str | None) -> str | None:
    """The normalized address, or None when it is missing or not a deliverable address syntax."""
    if not address:
        return None
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def redact_url(url: str) -> str:
    """Keep where a link pointed, drop its secrets: every query value becomes `redacted`."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = urlencode([(name, REDACTED) for name, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit(parts._replace(query=query, fragment=""))


def redact(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored context after sending: token-bearing links and codes no longer usable."""
    redacted: dict[str, Any] = {}
    for key, value in values.items():
        if key in TOKEN_BEARING_KEYS and isinstance(value, str) and value:
            redacted[key] = redact_url(value) if "://" in value else REDACTED
        else:
            redacted[key] = value
    return redacted


class Courier:
    """Sends the email an event asks for, at most once per idempotency key as far as it can know."""

    def __init__(
        self,
        *,
        settings: NotificationsSettings,
        provider: EmailProvider,
        renderer: Renderer,
        clock: Clock,
        outbox: Outbox,
        bookkeeping: SessionFactory,
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.renderer = renderer
        self.clock = clock
        self.outbox = outbox
        # its own connections: claims and failure records never wait for one the inbox transaction holds
        self.bookkeeping = bookkeeping

    async def deliver(self, session: AsyncSession, envelope: Envelope, request: EmailRequest) -> None:
        """Apply the delivery rules in the consumer's transaction `session`; raises TransientProviderError
        after recording the failed attempt, so the consumer retries (or dead-letters) the event."""
        key = f"{request.template}:{envelope.id}"
        to_email = valid_address(request.to_email)
        if to_email is None:
            await self._fail_at_once(session, envelope, request, key, "invalid_recipient", publish=True)
            return
        if request.category == "reminders" and await self._is_suppressed(session, to_email, request.category):
            await self._fail_at_once(session, envelope, request, key, "suppressed", publish=False)
            return
        message = await self._claim_attempt(envelope, request, key, to_email)
        if message is None:
            return
        rendered = self.renderer.render(message.template, message.context)
        outgoing = OutgoingEmail(
            sender=self.settings.email_from,
            to=message.to_email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            reply_to=message.reply_to,
            headers=self._list_unsubscribe(message.unsubscribe_token),
        )
        try:
            provider_message_id = await self.provider.send(outgoing)
        except PermanentProviderError as exc:
            await self._mark_failed(session, envelope, request, message, exc.reason)
            return
        except TransientProviderError as exc:
            await self._record_transient_failure(envelope, request, message.id, str(exc))
            raise
        await self._mark_sent(session, envelope, request, message, provider_message_id)

    def _unsubscribe_url(self, token: str) -> str:
        return f"{self.settings.frontend_url.rstrip('/')}/unsubscribe?token={token}"

    def _list_unsubscribe(self, token: str | None) -> dict[str, str]:
        if token is None:
            return {}
        url = f"{self.settings.public_api_url.rstrip('/')}/api/v1/email/unsubscribe?token={token}"
        return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    async def _is_suppressed(self, session: AsyncSession, email: str, category: str) -> bool:
        found = await session.execute(
            select(EmailSuppression.email).where(EmailSuppression.email == email, EmailSuppression.category == category)
        )
        return found.first() is not None

    def _new_row(
        self, envelope: Envelope, request: EmailRequest, key: str, to_email: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "idempotency_key": key,
            "event_id": envelope.id,
            "event_type": envelope.type,
            "template": request.template,
            "category": request.category,
            "to_email": to_email[:255],
            "reply_to": valid_address(request.reply_to),
            "subject": self.renderer.subject(request.template, values)[:500],
            "context": values,
        }

    async def _fail_at_once(
        self,
        session: AsyncSession,
        envelope: Envelope,
        request: EmailRequest,
        key: str,
        reason: str,
        *,
        publish: bool,
    ) -> None:
        now = self.clock.now()
        row = self._new_row(envelope, request, key, request.to_email or "", dict(request.values))
        inserted = await session.execute(
            pg_insert(EmailMessage)
            .values(**row, status="failed", last_error=reason, updated_at=now)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(EmailMessage.id)
        )
        message_id = inserted.scalar_one_or_none()
        if message_id is not None and publish:
            await self.outbox.add(
                session,
                self._failed_event(envelope, request, message_id, key, row["to_email"], 0, reason),
            )

    async def _claim_attempt(
        self, envelope: Envelope, request: EmailRequest, key: str, to_email: str
    ) -> EmailMessage | None:
        """Insert the `queued` row (first delivery) and count this attempt, committed at once;
        None when the key is already `sent` or `failed` (a redelivery must not send again)."""
        values = dict(request.values)
        token = None
        if request.category == "reminders":
            token = secrets.token_urlsafe(32)
            values["unsubscribe_url"] = self._unsubscribe_url(token)
        async with self.bookkeeping() as side, side.begin():
            await side.execute(
                pg_insert(EmailMessage)
                .values(**self._new_row(envelope, request, key, to_email, values), unsubscribe_token=token)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
            message = (
                await side.execute(select(EmailMessage).where(EmailMessage.idempotency_key == key).with_for_update())
            ).scalar_one()
            if message.status != "queued":
                return None
            message.attempts += 1
            message.updated_at = self.clock.now()
        return message

    async def _record_transient_failure(
        self, envelope: Envelope, request: EmailRequest, message_id: UUID, error: str
    ) -> None:
        """Store the error (committed, whatever the inbox transaction does); at EMAIL_MAX_ATTEMPTS the
        message is `failed` and `notifications.email.failed` is published."""
        async with self.bookkeeping() as side, side.begin():
            message = (
                await side.execute(select(EmailMessage).where(EmailMessage.id == message_id).with_for_update())
            ).scalar_one()
            message.last_error = error[:1000]
            message.updated_at = self.clock.now()
            if message.attempts >= self.settings.email_max_attempts:
                message.status = "failed"
                await self.outbox.add(
                    side,
                    self._failed_event(
                        envelope,
                        request,
                        message.id,
                        message.idempotency_key,
                        message.to_email,
                        message.attempts,
                        message.last_error,
                    ),
                )

    async def _mark_failed(
        self, session: AsyncSession, envelope: Envelope, request: EmailRequest, message: EmailMessage, reason: str
    ) -> None:
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == message.id)
            .values(status="failed", last_error=reason, updated_at=self.clock.now())
        )
        await self.outbox.add(
            session,
            self._failed_event(
                envelope, request, message.id, message.idempotency_key, message.to_email, message.attempts, reason
            ),
        )

    async def _mark_sent(
        self,
        session: AsyncSession,
        envelope: Envelope,
        request: EmailRequest,
        message: EmailMessage,
        provider_message_id: str | None,
    ) -> None:
        now = self.clock.now()
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == message.id)
            .values(
                status="sent",
                sent_at=now,
                provider_message_id=provider_message_id[:255] if provider_message_id else None,
                context=redact(message.context),
                updated_at=now,
            )
        )
        await self.outbox.add(
            session,
            EmailSent(
                message_id=message.id,
                idempotency_key=message.idempotency_key,
                template=message.template,
                to_email=message.to_email,
                provider_message_id=provider_message_id,
                sent_at=now,
                source_event_id=envelope.id,
                source_event_type=envelope.type,
                context=request.event_context,
            ),
        )

    def _failed_event(
        self,
        envelope: Envelope,
        request: EmailRequest,
        message_id: UUID,
        key: str,
        to_email: str,
        attempts: int,
        last_error: str | None,
    ) -> EmailFailed:
        return EmailFailed(
            message_id=message_id,
            idempotency_key=key,
            template=request.template,
            to_email=to_email,
            attempts=attempts,
            last_error=last_error,
            source_event_id=envelope.id,
            source_event_type=envelope.type,
            context=request.event_context,
            failed_at=self.clock.now(),
        )
