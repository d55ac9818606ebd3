"""One trace per request: the server span, the checks, the snapshot fetch (on a miss only) and the
forward, with the upstream receiving a `traceparent` of the same trace."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fakes import FakeState, GatewayFactory, bearer, echoed_headers, snapshot
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.testing import TestSigner

VERIFIED = "2026-01-02T00:00:00+00:00"
_exporter = InMemorySpanExporter()
_installed = False


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans finished during the test (the tracer provider is the process's, set by the first gateway)."""
    global _installed
    if not _installed:
        from shared.telemetry import setup_telemetry

        setup_telemetry("gateway", None)
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
        _installed = True
    _exporter.clear()
    yield _exporter
    _exporter.clear()


def named(spans: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.name == name]


def parent_of(spans: InMemorySpanExporter, span: ReadableSpan) -> ReadableSpan:
    assert span.parent is not None
    (found,) = [s for s in spans.get_finished_spans() if s.context.span_id == span.parent.span_id]
    return found


async def test_cold_request_traces_checks_fetch_and_forward_in_one_trace(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState, spans: InMemorySpanExporter
) -> None:
    account = uuid.uuid4()
    fake_state.snapshots[str(account)] = snapshot(account, status="active")
    token = signer.access_token(account_id=account, email_verified_at=VERIFIED)
    async with gateway_client() as gateway:
        spans.clear()
        cold = await gateway.get("/api/v1/trees", headers=bearer(token))
        assert cold.status_code == 200
        (checks,) = named(spans, "gateway.checks")
        (fetch,) = named(spans, "gateway.entitlements.fetch")
        (forward,) = named(spans, "gateway.forward")
        assert parent_of(spans, fetch) is not None
        assert parent_of(spans, fetch).name == "gateway.checks"
        assert parent_of(spans, checks).context.span_id == parent_of(spans, forward).context.span_id  # the server span
        assert checks.attributes is not None
        assert checks.attributes["gateway.policy"] == "pro"
        assert checks.attributes["gateway.snapshot_read"] is True
        assert forward.attributes is not None
        assert forward.attributes["gateway.upstream"] == "product"
        # the upstream call is the forward span itself; the billing call is an httpx client span under fetch
        # (the JWKS fetch of this cold request is another, under the checks)
        assert forward.kind is trace.SpanKind.CLIENT
        clients = [s for s in spans.get_finished_spans() if s.kind is trace.SpanKind.CLIENT and s is not forward]
        assert "gateway.entitlements.fetch" in {parent_of(spans, s).name for s in clients}
        traceparent = echoed_headers(cold)["traceparent"][0]
        assert traceparent.split("-")[1] == format(forward.context.trace_id, "032x")

        spans.clear()
        warm = await gateway.get("/api/v1/trees", headers=bearer(token))
        assert warm.status_code == 200
        assert named(spans, "gateway.checks")
        assert not named(spans, "gateway.entitlements.fetch")


async def test_refusal_is_recorded_on_the_checks_span_without_an_error_status(
    gateway: httpx.AsyncClient, signer: TestSigner, spans: InMemorySpanExporter
) -> None:
    token = signer.access_token(account_id=uuid.uuid4(), email_verified_at=VERIFIED)
    response = await gateway.get("/api/v1/trees", headers=bearer(token))
    assert response.status_code == 402
    (checks,) = named(spans, "gateway.checks")
    assert checks.attributes is not None
    assert (checks.attributes["gateway.refused"], checks.attributes["gateway.refused_error"]) == (
        402,
        "no_subscription",
    )
    assert checks.status.status_code is not trace.StatusCode.ERROR
    assert not named(spans, "gateway.forward")
