"""The HTTP side: read and clear the caught messages as JSON."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mailcatcher.store import MailStore


def create_app(store: MailStore) -> Starlette:
    async def list_messages(request: Request) -> JSONResponse:
        return JSONResponse(store.list(request.query_params.get("to")))

    async def clear_messages(request: Request) -> JSONResponse:
        return JSONResponse({"deleted": store.clear()})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/messages", list_messages, methods=["GET"]),
            Route("/messages", clear_messages, methods=["DELETE"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
