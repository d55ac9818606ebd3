"""Delivery rules of events.md §5: one email per `<template>:<source event id>`, retries, redaction.

An event's handler runs in the consumer's inbox transaction, which a failing handler rolls back. So the
attempt is claimed (row inserted `queued`, `attempts` + 1) and a transient failure recorded in short
transactions of their own that survive the rollback; the success (`sent` + `notifications.email.sent`)
commits with the inbox row. A crash between the provider's acceptance and that commit sends again on
redelivery: delivery is at least once, never silently lost.

Two deliveries of one message (an admin's retry beside a replayed trigger event) never send at the same
time: each attempt holds an advisory lock on the idempotency key from its claim until its outcome is
written, and the outcome's row lock makes the next one wait for that commit (and then see `sent`).
"""

import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.emails.metrics import EMAILS_FAILED, EMAILS_SENT
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
# the trigger's context for notifications.email.sent/failed, kept beside the template values so a
# retry days later still tells identity which invite its email was for
EVENT_CONTEXT_KEY = "_event_context"


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


def event_context(message: EmailMessage) -> dict[str, Any]:
    stored = message.context.get(EVENT_CONTEXT_KEY)
    return dict(stored) if isinstance(stored, dict) else {}


def template_values(message: EmailMessage) -> dict[str, Any]:
    return {k: v for k, v in message.context.items() if k != EVENT_CONTEXT_KEY}


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
        values = {**request.values, EVENT_CONTEXT_KEY: request.event_context}
        to_email = valid_address(request.to_email)
        if to_email is None:
            row = self._new_row(envelope, request, key, request.to_email or "", values)
            await self._fail_at_once(session, row, "invalid_recipient", publish=True)
            return
        row = self._new_row(envelope, request, key, to_email, values)
        if request.category == "reminders" and await self.is_suppressed(session, to_email, request.category):
            await self._fail_at_once(session, row, "suppressed", publish=False)
            return
        await self._attempt(session, key, new_row=row)

    async def redeliver(self, session: AsyncSession, message_id: UUID) -> None:
        """Send again a message an admin put back in the queue, by the same rules and attempt path as
        the first delivery; nothing happens unless it is still `queued`."""
        message = (
            await session.execute(select(EmailMessage).where(EmailMessage.id == message_id))
        ).scalar_one_or_none()
        if message is None or message.status != "queued":
            return
        if valid_address(message.to_email) is None:
            await self._mark_failed(session, message, "invalid_recipient")
            return
        if message.category == "reminders" and await self.is_suppressed(session, message.to_email, message.category):
            await self._mark_failed(session, message, "suppressed", publish=False)
            return
        await self._attempt(session, message.idempotency_key)

    async def is_suppressed(self, session: AsyncSession, email: str, category: str) -> bool:
        found = await session.execute(
            select(EmailSuppression.email).where(
                EmailSuppression.email == email.lower(), EmailSuppression.category == category
            )
        )
        return found.first() is not None

    async def _attempt(self, session: AsyncSession, key: str, new_row: dict[str, Any] | None = None) -> None:
        async with self._exclusive(key):
            message = await self._claim_attempt(key, new_row)
            if message is None:
                return
            try:
                provider_message_id = await self.provider.send(self._outgoing(message))
            except PermanentProviderError as exc:
                EMAILS_FAILED.labels(message.template, "permanent").inc()
                await self._mark_failed(session, message, exc.reason)
                return
            except TransientProviderError as exc:
                EMAILS_FAILED.labels(message.template, "transient").inc()
                await self._record_transient_failure(message.id, str(exc))
                raise
            EMAILS_SENT.labels(message.template).inc()
            await self._mark_sent(session, message, provider_message_id)

    @asynccontextmanager
    async def _exclusive(self, key: str) -> AsyncIterator[None]:
        """One attempt at a time per idempotency key, released when the attempt's outcome is written."""
        async with self.bookkeeping() as guard, guard.begin():
            await guard.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
            yield

    def _outgoing(self, message: EmailMessage) -> OutgoingEmail:
        rendered = self.renderer.render(message.template, template_values(message))
        return OutgoingEmail(
            sender=self.settings.email_from,
            to=message.to_email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            reply_to=message.reply_to,
            headers=self._list_unsubscribe(message.unsubscribe_token),
        )

    def _unsubscribe_url(self, token: str) -> str:
        return f"{self.settings.frontend_url.rstrip('/')}/unsubscribe?token={token}"

    def _list_unsubscribe(self, token: str | None) -> dict[str, str]:
        if token is None:
            return {}
        url = f"{self.settings.public_api_url.rstrip('/')}/api/v1/email/unsubscribe?token={token}"
        return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

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
            "subject": self.renderer.subject(request.template, request.values)[:500],
            "context": values,
        }

    async def _fail_at_once(self, session: AsyncSession, row: dict[str, Any], reason: str, *, publish: bool) -> None:
        inserted = await session.scalars(
            pg_insert(EmailMessage)
            .values(**row, status="failed", last_error=reason, updated_at=self.clock.now())
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(EmailMessage)
        )
        message = inserted.one_or_none()
        if message is not None and publish:
            await self.outbox.add(session, self._failed_event(message, reason))

    async def _claim_attempt(self, key: str, new_row: dict[str, Any] | None) -> EmailMessage | None:
        """Insert the `queued` row (first delivery) and count this attempt, committed at once;
        None when the key is already `sent` or `failed` (a redelivery must not send again)."""
        async with self.bookkeeping() as side, side.begin():
            if new_row is not None:
                await side.execute(
                    pg_insert(EmailMessage).values(**new_row).on_conflict_do_nothing(index_elements=["idempotency_key"])
                )
            message = (
                await side.execute(select(EmailMessage).where(EmailMessage.idempotency_key == key).with_for_update())
            ).scalar_one_or_none()
            if message is None or message.status != "queued":
                return None
            if message.category == "reminders" and message.unsubscribe_token is None:
                token = secrets.token_urlsafe(32)
                message.unsubscribe_token = token
                message.context = {**message.context, "unsubscribe_url": self._unsubscribe_url(token)}
            message.attempts += 1
            message.updated_at = self.clock.now()
        return message

    async def _record_transient_failure(self, message_id: UUID, error: str) -> None:
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
                await self.outbox.add(side, self._failed_event(message, message.last_error))

    async def _mark_failed(
        self, session: AsyncSession, message: EmailMessage, reason: str, *, publish: bool = True
    ) -> None:
        await session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == message.id)
            .values(status="failed", last_error=reason, updated_at=self.clock.now())
        )
        if publish:
            await self.outbox.add(session, self._failed_event(message, reason))

    async def _mark_sent(self, session: AsyncSession, message: EmailMessage, provider_message_id: str | None) -> None:
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
                source_event_id=message.event_id,
                source_event_type=message.event_type,
                context=event_context(message),
            ),
        )

    def _failed_event(self, message: EmailMessage, last_error: str | None) -> EmailFailed:
        return EmailFailed(
            message_id=message.id,
            idempotency_key=message.idempotency_key,
            template=message.template,
            to_email=message.to_email,
            attempts=message.attempts,
            last_error=last_error,
            source_event_id=message.event_id,
            source_event_type=message.event_type,
            context=event_context(message),
            failed_at=self.clock.now(),
        )
