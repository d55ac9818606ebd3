"""A database that cannot be reached is 503 `database_unavailable`, answered at once; a statement the
database rejects is still the 500 of an unexpected error (a bug, not an outage)."""

import contextlib
import socket

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import create_engine
from shared.errors import install_error_handlers


def closed_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_app(database_url: str) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    nowhere = make_url(database_url).set(host="127.0.0.1", port=closed_port()).render_as_string(hide_password=False)

    @app.get("/unreachable")
    async def unreachable() -> None:
        engine = create_engine(nowhere)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    @app.get("/bad-statement")
    async def bad_statement() -> None:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT * FROM no_such_table"))
        finally:
            await engine.dispose()

    return app


def client(database_url: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(database_url), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def test_unreachable_database_is_503_database_unavailable(database_url: str) -> None:
    async with client(database_url) as c:
        response = await c.get("/unreachable")
    assert response.status_code == 503
    assert response.json() == {"detail": {"error": "database_unavailable"}}


async def test_rejected_statement_stays_an_unexpected_500(database_url: str) -> None:
    async with client(database_url) as c:
        response = await c.get("/bad-statement")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
