"""One signup is one trace: the gateway's request, identity's handler, and the consumers in billing,
onboarding and notifications that its events reach over RabbitMQ, as exported by the five processes."""

import secrets

import httpx
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from shared.testing import poll

from .flows import new_email, register
from .otlp import OtlpReceiver, ReceivedSpan

SERVICES = {"gateway", "identity", "billing", "onboarding", "notifications"}
CONSUMERS = {"billing", "onboarding", "notifications"}
SERVER, CONSUMER = Span.SPAN_KIND_SERVER, Span.SPAN_KIND_CONSUMER


async def test_one_signup_is_one_trace_across_the_gateway_identity_and_the_event_consumers(
    gateway: httpx.AsyncClient, otlp_receiver: OtlpReceiver
) -> None:
    # the SPA's traceparent: the gateway continues it, so the test knows which trace to look up
    trace_id = secrets.token_hex(16)
    gateway.headers["traceparent"] = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    try:
        registered = await register(gateway, new_email("traced"))
    finally:
        del gateway.headers["traceparent"]
    assert registered.status_code == 201, registered.text

    def by_service(spans: list[ReceivedSpan], kind: int) -> set[str]:
        return {s.service for s in spans if s.kind == kind}

    async def whole_trace() -> list[ReceivedSpan] | None:
        spans = otlp_receiver.spans_of(trace_id)
        complete = by_service(spans, SERVER) >= {"gateway", "identity"} and by_service(spans, CONSUMER) >= CONSUMERS
        return spans if complete else None

    spans = await poll(whole_trace, timeout=30.0, message="spans of all five services in the signup's trace")
    assert {s.service for s in spans} >= SERVICES
    # the consumers continue the context stored beside the outbox row: none of them starts a trace
    assert all(s.parent_span_id for s in spans if s.kind == CONSUMER)
    assert [s for s in spans if s.service == "gateway" and s.kind == SERVER and not s.parent_span_id] == []
