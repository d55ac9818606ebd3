"""Forwarding: one pooled aiohttp session per upstream. Request bodies (at most MAX_BODY_BYTES) are read
before the upstream is called; answers are passed on whole when small and streamed when large or unsized.

aiohttp rather than httpx on this path: the forward is the gateway's whole per-request cost besides the
checks, and httpx's pool (a liveness poll of the socket and an anyio task per request) cost several times
what aiohttp's C parser and pool do (docs/benchmarks.md, "Then make it fast")."""

import asyncio
import logging
from collections.abc import Mapping

import aiohttp
from multidict import CIMultiDict
from opentelemetry import propagate, trace
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from yarl import URL

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

# answers up to this size (by their Content-Length) are read whole and sent in one piece; larger or unsized
# ones stream through as they come
WHOLE_ANSWER_BYTES = 64 * 1024
# what aiohttp would add on its own: the upstream sees the client's headers, not the gateway's defaults
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


class Upstreams:
    """One `aiohttp.ClientSession` (keep-alive pool) per configured upstream, opened on first use (a
    session belongs to the event loop it was made on)."""

    def __init__(self, urls: Mapping[Upstream, str | None], *, connect_timeout_seconds: float) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items() if url}
        self._timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout_seconds)
        self._sessions: dict[Upstream, aiohttp.ClientSession] = {}

    def session(self, upstream: Upstream) -> tuple[aiohttp.ClientSession, str]:
        """The upstream's session and base URL; 502 when the upstream is not configured."""
        base = self.urls.get(upstream)
        if base is None:
            raise UpstreamNotConfigured(upstream.value)
        session = self._sessions.get(upstream)
        if session is None:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=200, limit_per_host=200, enable_cleanup_closed=True),
                timeout=self._timeout,
                auto_decompress=False,  # bytes pass through as the upstream encoded them
                skip_auto_headers=_NO_AUTO_HEADERS,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._sessions[upstream] = session
        return session, base

    async def aclose(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(session.close() for session in sessions))


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

    async def _body(self, request: Request) -> bytes:
        """The whole request body; 413 as soon as it says more than the limit (before the upstream hears of it)."""
        if "content-length" not in request.headers and "transfer-encoding" not in request.headers:
            return b""
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body_bytes:
                raise PayloadTooLarge()
        return bytes(body)

    def _headers(self, request: Request, admission: Admission) -> CIMultiDict[str]:
        scope = request.scope
        raw = upstream_request_headers(
            list(scope["headers"]), admission=admission, request_id=str(request.state.request_id)
        )
        headers: CIMultiDict[str] = CIMultiDict(
            (key.decode("latin-1"), value.decode("latin-1")) for key, value in raw if key != b"x-forwarded-for"
        )
        forwarded_for = request.client.host if request.client else None
        prior = request.headers.get("x-forwarded-for")
        if forwarded_for:
            headers["X-Forwarded-For"] = f"{prior}, {forwarded_for}" if prior else forwarded_for
        elif prior:
            headers["X-Forwarded-For"] = prior
        propagate.inject(headers)  # the current span: gateway.forward
        return headers

    async def forward(self, request: Request, route: Route, admission: Admission) -> Response:
        """The upstream's answer; 502/504 when it cannot give one. A reserved usage unit is released when
        the upstream fails or answers non-2xx."""
        name = route.upstream.value
        try:
            session, base = self.upstreams.session(route.upstream)
            body = await self._body(request)
            scope = request.scope
            target = base + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            # the span covers the upstream's headers (and a small answer's body); a large body streams after it
            with tracer.start_as_current_span("gateway.forward", kind=trace.SpanKind.CLIENT) as span:
                span.set_attribute("gateway.upstream", name)
                async with asyncio.timeout(self.timeout_seconds):
                    upstream = await session.request(
                        request.method,
                        URL(target, encoded=True),
                        headers=self._headers(request, admission),
                        data=body or None,
                        allow_redirects=False,
                    )
                    length = upstream.content_length
                    whole = await upstream.read() if length is not None and length <= WHOLE_ANSWER_BYTES else None
                span.set_attribute("http.response.status_code", upstream.status)
        except BaseException as exc:
            await self._release(admission)
            if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
                raise UpstreamUnavailable(name) from None
            if isinstance(exc, TimeoutError):
                raise UpstreamTimeout(name) from None
            if isinstance(exc, aiohttp.ClientError):
                log.warning("upstream failed", extra={"upstream": name, "error": repr(exc)})
                raise UpstreamUnavailable(name) from None
            raise
        if not 200 <= upstream.status < 300:
            await self._release(admission)
        response: Response
        if whole is not None:
            response = Response(whole, status_code=upstream.status)
        else:
            response = StreamingResponse(
                upstream.content.iter_any(), status_code=upstream.status, background=BackgroundTask(upstream.release)
            )
        response.raw_headers = client_response_headers(list(upstream.raw_headers))
        return response

    async def _release(self, admission: Admission) -> None:
        if admission.reservation_id is not None:
            await self.billing.release(admission.reservation_id)
