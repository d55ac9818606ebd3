"""Forwarding: one pooled client per upstream; request and response bodies streamed both ways."""

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping

import httpx
from opentelemetry import propagate, trace
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.access.service import Admission
from gateway.entitlements.billing import BillingClient
from gateway.forwarding.errors import (
    BadContentLength,
    HeadersTooLarge,
    PayloadTooLarge,
    UpstreamNotConfigured,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.forwarding.headers import client_response_headers, upstream_request_headers
from gateway.routing.table import Route, Upstream

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class Upstreams:
    """One `httpx.AsyncClient` (keep-alive pool) per configured upstream."""

    def __init__(self, urls: Mapping[Upstream, str | None], *, timeout: httpx.Timeout) -> None:
        self.urls = dict(urls)
        self._clients = {
            name: httpx.AsyncClient(
                base_url=url.rstrip("/"),
                timeout=timeout,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
                follow_redirects=False,
            )
            for name, url in urls.items()
            if url
        }

    def client(self, upstream: Upstream) -> httpx.AsyncClient:
        client = self._clients.get(upstream)
        if client is None:
            raise UpstreamNotConfigured(upstream.value)
        return client

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._clients.values()))


# what common proxies accept by default (nginx: 4 x 8 KiB buffers); the app server itself sets no limit
MAX_HEADER_BYTES = 32 * 1024


def check_header_size(request: Request) -> None:
    """431 when the request's header block is larger than any client of ours sends."""
    size = sum(len(name) + len(value) + 4 for name, value in request.scope["headers"])
    if size > MAX_HEADER_BYTES:
        raise HeadersTooLarge()


def declared_length(request: Request, max_body_bytes: int) -> int | None:
    """The request's Content-Length; 413 when it already says too much."""
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        length = int(raw)
    except ValueError:
        raise BadContentLength() from None
    if length < 0:
        raise BadContentLength()
    if length > max_body_bytes:
        raise PayloadTooLarge()
    return length


class Forwarder:
    def __init__(
        self, *, upstreams: Upstreams, billing: BillingClient, max_body_bytes: int, timeout_seconds: float
    ) -> None:
        self.upstreams = upstreams
        self.billing = billing
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds

    async def _body(self, request: Request) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > self.max_body_bytes:
                raise PayloadTooLarge()
            if chunk:
                yield chunk

    def _build(self, request: Request, route: Route, admission: Admission) -> httpx.Request:
        client = self.upstreams.client(route.upstream)
        scope = request.scope
        target = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = upstream_request_headers(
            list(scope["headers"]), admission=admission, request_id=str(request.state.request_id)
        )
        forwarded_for = request.client.host if request.client else None
        if forwarded_for:
            prior = request.headers.get("x-forwarded-for")
            chain = f"{prior}, {forwarded_for}" if prior else forwarded_for
            headers = [(k, v) for k, v in headers if k.lower() != b"x-forwarded-for"]
            headers.append((b"x-forwarded-for", chain.encode("latin-1")))
        trace: dict[str, str] = {}
        propagate.inject(trace)
        headers.extend((key.encode(), value.encode()) for key, value in trace.items())
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        return client.build_request(
            request.method, target, headers=headers, content=self._body(request) if has_body else b""
        )

    async def forward(self, request: Request, route: Route, admission: Admission) -> Response:
        """The upstream's answer, streamed; 502/504 when it cannot give one. A reserved usage unit
        is released when the upstream fails or answers non-2xx."""
        name = route.upstream.value
        client = self.upstreams.client(route.upstream)
        try:
            # the span covers the upstream's headers; the body streams to the client after it ends
            with tracer.start_as_current_span("gateway.forward") as span:
                span.set_attribute("gateway.upstream", name)
                outgoing = self._build(request, route, admission)  # inside the span: traceparent names it
                async with asyncio.timeout(self.timeout_seconds):
                    upstream = await client.send(outgoing, stream=True)
                span.set_attribute("http.response.status_code", upstream.status_code)
        except BaseException as exc:
            await self._release(admission)
            if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
                raise UpstreamUnavailable(name) from None
            if isinstance(exc, httpx.TimeoutException | TimeoutError):
                raise UpstreamTimeout(name) from None
            if isinstance(exc, httpx.TransportError):
                log.warning("upstream failed", extra={"upstream": name, "error": repr(exc)})
                raise UpstreamUnavailable(name) from None
            raise
        if not 200 <= upstream.status_code < 300:
            await self._release(admission)
        response = StreamingResponse(
            upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
        )
        response.raw_headers = client_response_headers(upstream.headers.raw)
        return response

    async def _release(self, admission: Admission) -> None:
        if admission.reservation_id is not None:
            await self.billing.release(admission.reservation_id)
