"""A trace continues from the request that wrote an event, through RabbitMQ, into the consumer."""

import contextlib
import uuid
from collections.abc import AsyncIterator

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus.consumer import Handler, InboxConsumer
from shared.bus.names import BusNames
from shared.bus.outbox import Outbox
from shared.bus.relay import OutboxRelay
from shared.bus.tables import outbox
from shared.clock import SystemClock
from shared.context import correlation_id_var
from shared.db import SessionFactory
from shared.events import Envelope, SalesLeadCreated
from shared.testing import poll

from ..conftest import AMQP_URL
from .test_outbox_relay import lead


@contextlib.asynccontextmanager
async def consuming(consumer: InboxConsumer) -> AsyncIterator[None]:
    await consumer.start()
    try:
        yield
    finally:
        await consumer.stop()


async def test_consumer_continues_the_producers_trace_and_correlation(
    factory: SessionFactory, database_url: str, names: BusNames, clean_outbox: None
) -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    tracer = trace.get_tracer("test")
    seen: dict[str, object] = {}

    async def record(session: AsyncSession, event: Envelope, data: SalesLeadCreated) -> None:
        seen["trace_id"] = trace.get_current_span().get_span_context().trace_id
        seen["causation_in_handler"] = event.id

    consumer = InboxConsumer(
        service="svc",
        amqp_url=AMQP_URL,
        names=names,
        factory=factory,
        handlers={"sales.lead.created": Handler(SalesLeadCreated, record)},
        clock=SystemClock(),
    )
    from shared.bus.broker import Publisher

    publisher = Publisher(AMQP_URL, names)
    relay = OutboxRelay(factory=factory, listen_dsn="unused", publisher=publisher, clock=SystemClock())
    token = correlation_id_var.set("req-trace-1")
    try:
        async with consuming(consumer):
            with tracer.start_as_current_span("POST /api/v1/sales-leads") as span:
                producer_trace = span.get_span_context().trace_id
                async with factory() as session, session.begin():
                    envelope = await Outbox("onboarding", SystemClock()).add(session, lead())
            assert await relay.publish_pending() == (1, 0)

            async def handled() -> bool:
                return "trace_id" in seen

            await poll(handled, message="handler ran")
    finally:
        correlation_id_var.reset(token)
        await publisher.close()
    assert envelope.correlation_id == "req-trace-1"
    async with factory() as session:
        headers = await session.scalar(select(outbox.c.headers).where(outbox.c.id == envelope.id))
    assert headers["traceparent"].split("-")[1] == format(producer_trace, "032x")
    assert seen["trace_id"] == producer_trace
    assert uuid.UUID(str(seen["causation_in_handler"])) == envelope.id
