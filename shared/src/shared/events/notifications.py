"""Events notifications publishes."""

from datetime import datetime
from typing import Any
from uuid import UUID

from shared.events.envelope import EventData


class EmailSent(EventData):
    message_id: UUID
    idempotency_key: str
    template: str
    to_email: str
    provider_message_id: str | None = None
    sent_at: datetime
    source_event_id: UUID | None = None
    source_event_type: str | None = None
    context: dict[str, Any] = {}


class EmailFailed(EventData):
    message_id: UUID
    idempotency_key: str
    template: str
    to_email: str
    attempts: int
    last_error: str | None = None
    source_event_id: UUID | None = None
    source_event_type: str | None = None
    context: dict[str, Any] = {}
    failed_at: datetime


class EmailRetryRequested(EventData):
    """Internal to notifications (beyond events.md): an admin asked to resend a failed or stuck email;
    going through the outbox and the consumer keeps the retry crash-safe and under the normal retry policy."""

    message_id: UUID
    requested_by: UUID | None = None
    requested_at: datetime
