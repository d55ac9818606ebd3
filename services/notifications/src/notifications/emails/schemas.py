"""Request and response models of api.md §6."""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from shared.api_types import IsoTime

Limit = Annotated[int, Query(ge=1, le=200)]
Status = Literal["queued", "sent", "failed"]


class MessageItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    template: str
    to_email: str
    reply_to: str | None
    subject: str
    status: str
    attempts: int
    last_error: str | None
    provider_message_id: str | None
    event_id: UUID | None
    created_at: IsoTime
    sent_at: IsoTime | None


class MessagePage(BaseModel):
    items: list[MessageItem]
    next_cursor: UUID | None


class RetryAccepted(BaseModel):
    id: UUID
    status: str
    attempts: int


class UnsubscribeBody(BaseModel):
    token: str


class Unsubscribed(BaseModel):
    unsubscribed: Literal[True] = True
    category: str
