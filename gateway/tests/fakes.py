"""Stand-ins for the OTHER services, only for the gateway's own tests: real HTTP servers (uvicorn on
free 127.0.0.1 ports) that echo what they received, publish a JWKS, and answer billing's internal API."""

import asyncio
import base64
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.testing import TestSigner, poll

INTERNAL_TOKEN = "test-internal-token"


@dataclass
class FakeState:
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    entitlement_fetches: dict[str, int] = field(default_factory=dict)
    units_left: dict[str, int] = field(default_factory=dict)
    released: list[str] = field(default_factory=list)
    reservations: dict[str, str] = field(default_factory=dict)
    slow_release: asyncio.Event = field(default_factory=asyncio.Event)
    calls: list["UpstreamCall"] = field(default_factory=list)
    stream_release: asyncio.Event = field(default_factory=asyncio.Event)
    stream_finished: asyncio.Event = field(default_factory=asyncio.Event)


STREAM_CHUNK = 1024 * 1024
STREAM_CHUNKS = 32


@dataclass(frozen=True)
class UpstreamCall:
    service: str
    method: str
    path: str
    forwarded_for: str | None
    user_id: str | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def closed_url() -> str:
    """A local URL where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


GatewayFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def fake_service(name: str, state: FakeState, signer: TestSigner) -> Starlette:
    async def echo(request: Request) -> Response:
        headers = request.headers
        call = UpstreamCall(
            name, request.method, request.url.path, headers.get("x-forwarded-for"), headers.get("x-user-id")
        )
        state.calls.append(call)
        body = await request.body()
        if request.url.path.endswith("/slow"):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.slow_release.wait(), 10)
        status = int(request.query_params.get("status", "200"))
        payload = {
            "service": name,
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.scope["query_string"].decode(),
            "headers": [[k.decode(), v.decode()] for k, v in request.scope["headers"]],
            "body": base64.b64encode(body).decode(),
        }
        response = JSONResponse(payload, status_code=status, headers={"X-Upstream": name})
        response.raw_headers.append((b"set-cookie", b"a=1"))
        response.raw_headers.append((b"set-cookie", b"b=2"))
        return response

    async def download(_: Request) -> Response:
        """A large body in 1 MiB chunks: the first at once, the rest only after the test saw it arrive."""

        async def chunks() -> AsyncIterator[bytes]:
            yield b"\x01" * STREAM_CHUNK
            await asyncio.wait_for(state.stream_release.wait(), 10)
            for _ in range(STREAM_CHUNKS - 1):
                yield b"\x01" * STREAM_CHUNK
            state.stream_finished.set()

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    async def readyz(_: Request) -> Response:
        return JSONResponse({"status": "ready", "checks": {}})

    async def jwks(_: Request) -> Response:
        return JSONResponse({"keys": [signer.private_key.as_dict(private=False)]})

    def internal(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {INTERNAL_TOKEN}"

    async def entitlements(request: Request) -> Response:
        if not internal(request):
            return JSONResponse({"detail": "Invalid internal token"}, status_code=401)
        account_id = request.path_params["account_id"]
        state.entitlement_fetches[account_id] = state.entitlement_fetches.get(account_id, 0) + 1
        snapshot = state.snapshots.get(account_id)
        if snapshot is None:
            return JSONResponse({"detail": {"error": "no_subscription"}}, status_code=404)
        return JSONResponse(snapshot)

    async def reserve(request: Request) -> Response:
        if not internal(request):
            return JSONResponse({"detail": "Invalid internal token"}, status_code=401)
        account_id = request.path_params["account_id"]
        left = state.units_left.get(account_id, 0)
        if left <= 0:
            return JSONResponse({"allowed": False, "limit": "max_trees", "used": 3, "max": 3, "plan": "free"})
        state.units_left[account_id] = left - 1
        reservation_id = str(uuid.uuid4())
        state.reservations[reservation_id] = account_id
        return JSONResponse({"allowed": True, "reservation_id": reservation_id, "used": 1, "max": 3})

    async def release(request: Request) -> Response:
        reservation_id = request.path_params["reservation_id"]
        state.released.append(reservation_id)
        account_id = state.reservations.pop(reservation_id, None)
        if account_id is not None:
            state.units_left[account_id] = state.units_left.get(account_id, 0) + 1
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/readyz", readyz),
            Route("/api/v1/uploads/download", download),
            Route("/.well-known/jwks.json", jwks),
            Route("/internal/entitlements/{account_id}", entitlements),
            Route("/internal/usage/{account_id}/reserve", reserve, methods=["POST"]),
            Route("/internal/usage/reservations/{reservation_id}/release", release, methods=["POST"]),
            Route("/{path:path}", echo, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        ]
    )


@contextlib.asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free local port for the duration of the block."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return server.started

    await poll(started, message="fake upstream started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def snapshot(
    account_id: uuid.UUID,
    *,
    status: str = "trialing",
    plan: str = "pro",
    days_left: float = 10,
    features: dict[str, bool] | None = None,
) -> dict[str, Any]:
    end = datetime.now(UTC) + timedelta(days=days_left)
    return {
        "account_id": str(account_id),
        "subscription": {"status": status, "plan": plan, "current_period_end": end.isoformat()},
        "limits": {},
        "features": features or {},
        "usage": {},
        "generated_at": datetime.now(UTC).isoformat(),
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def echoed_headers(response: httpx.Response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in response.json()["headers"]:
        found.setdefault(key, []).append(value)
    return found
