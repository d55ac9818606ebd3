"""The catch-all route: lookup, checks, then forward. Thin: the rules live in routing/access."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

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


async def pipeline(request: Request) -> Pipeline:
    # async so FastAPI calls it on the event loop: a plain def runs in the thread pool, a hop per request
    found: Pipeline = request.app.state.pipeline
    return found


router = APIRouter()


@router.api_route("/{path:path}", methods=METHODS, include_in_schema=False)
async def forward(request: Request, steps: Annotated[Pipeline, Depends(pipeline)]) -> Response:
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
