"""Writing events: the row goes into `outbox` inside the caller's transaction."""

import uuid

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.context import causation_id_var, current_correlation_id
from shared.events import EVENT_TYPES, Envelope, EventData
from shared.telemetry import current_trace_headers

from .tables import outbox


class Outbox:
    """Records events of one producer; they are published by the relay after the commit."""

    def __init__(self, producer: str, clock: Clock) -> None:
        self.producer = producer
        self.clock = clock

    async def add(self, session: AsyncSession, data: EventData, *, version: int = 1) -> Envelope:
        """Write `data` as an event in `session`'s transaction; nothing is sent until it commits."""
        envelope = Envelope(
            id=uuid.uuid4(),
            type=EVENT_TYPES[type(data)],
            version=version,
            occurred_at=self.clock.now(),
            producer=self.producer,
            correlation_id=current_correlation_id(),
            causation_id=causation_id_var.get(),
            data=data.model_dump(mode="json"),
        )
        await session.execute(
            insert(outbox).values(
                id=envelope.id,
                type=envelope.type,
                envelope=envelope.model_dump(mode="json"),
                headers=current_trace_headers(),
                # clock_timestamp keeps several events of one transaction in creation order
                created_at=func.clock_timestamp(),
            )
        )
        return envelope
