"""The catch-all route: lookup, checks, then forward. Thin: the rules live in routing/access.

A plain Starlette route, not a FastAPI one: it has no parameters to validate, and FastAPI's dependency
solving and body handling were a fifth of a warm request's cost (docs/benchmarks.md)."""

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.access.service import Gatekeeper
from gateway.forwarding.proxy import Forwarder, check_header_size, declared_length
from gateway.ratelimit.service import RateLimits
from gateway.routing.table import RouteTable
from shared.metrics import set_route_template

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass(frozen=True)
class Pipeline:
    table: RouteTable
    gatekeeper: Gatekeeper
    forwarder: Forwarder
    rate_limits: RateLimits


async def forward(request: Request) -> Response:
    steps: Pipeline = request.app.state.pipeline
    check_header_size(request)
    path = request.scope["path"]
    route = steps.table.match(request.method, path)
    set_route_template(request.scope, route.template)
    steps.rate_limits.check_client(
        route,
        peer=request.client.host if request.client else None,
        forwarded_for=request.headers.getlist("x-forwarded-for"),
    )
    declared_length(request, steps.forwarder.max_body_bytes)
    admission = await steps.gatekeeper.admit(
        route=route,
        path=path.rstrip("/") or "/",
        authorization=request.headers.get("authorization"),
    )
    return await steps.forwarder.forward(request, route, admission)


catch_all = Route("/{path:path}", forward, methods=METHODS, include_in_schema=False)
