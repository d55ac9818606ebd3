"""The envelope every event travels in (events.md §1)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """Base of every event's `data`: unknown fields are ignored (compatible additions)."""

    model_config = ConfigDict(extra="ignore")


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: UUID
    type: str
    version: int = 1
    occurred_at: datetime
    producer: str
    correlation_id: str
    causation_id: UUID | None = None
    data: dict[str, Any]
