from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from notifications.db import Base


class EmailMessage(Base):
    """One email per `<template>:<source event id>`: the delivery log and the idempotency guard."""

    __tablename__ = "email_messages"

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    event_id: Mapped[UUID | None] = mapped_column()
    event_type: Mapped[str | None] = mapped_column(String(150))
    template: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(20), server_default=text("'transactional'"))
    to_email: Mapped[str] = mapped_column(String(255), index=True)
    reply_to: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(500))
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'queued'"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    unsubscribe_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class EmailSuppression(Base):
    """An address that unsubscribed from a category (only `reminders` is ever suppressed)."""

    __tablename__ = "email_suppressions"

    email: Mapped[str] = mapped_column(String(255), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    source_message_id: Mapped[UUID | None] = mapped_column()
