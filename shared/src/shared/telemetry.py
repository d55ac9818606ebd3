"""OpenTelemetry: traces follow a request from HTTP through the outbox and RabbitMQ to the consumer."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False


def setup_telemetry(service: str, otlp_endpoint: str | None) -> None:
    """Install a tracer provider once per process; export over OTLP only when an endpoint is set."""
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    _configured = True


def instrument_app(app: FastAPI) -> None:
    # one server span per request; the per-message receive/send spans cost more than the rest and tell nothing
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics", exclude_spans=["receive", "send"])


def current_trace_headers() -> dict[str, str]:
    """W3C `traceparent`/`tracestate` of the active span, for storing beside an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from_headers(headers: Mapping[str, Any]) -> otel_context.Context:
    carrier = {k: str(v) for k, v in headers.items() if k in ("traceparent", "tracestate")}
    return propagate.extract(carrier)


tracer = trace.get_tracer("platform")
