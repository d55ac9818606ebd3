"""`/healthz` (alive) and `/readyz` (dependencies reachable) for every app."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

Check = Callable[[], Awaitable[None]]


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check


async def run_checks(checks: Mapping[str, Check], timeout: float = 3.0) -> dict[str, str]:
    async def one(check: Check) -> str:
        try:
            await asyncio.wait_for(check(), timeout)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:200] or type(exc).__name__
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


def health_router(
    checks: Callable[[], Mapping[str, Check]], optional: Callable[[], Mapping[str, Check]] | None = None
) -> APIRouter:
    """Readiness fails when a required check fails; optional checks are reported only."""
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        required = await run_checks(checks())
        reported = await run_checks(optional()) if optional else {}
        ready = all(v == "ok" for v in required.values())
        body = {"status": "ready" if ready else "not_ready", "checks": {**required, **reported}}
        return JSONResponse(body, status_code=200 if ready else 503)

    return router
