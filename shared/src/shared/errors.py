"""Error payloads: typed exceptions become `{"detail": ...}`; bad input is 422, never 500; a database
that cannot be reached is 503 `{"detail":{"error":"database_unavailable"}}`, answered at once."""

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an api.md status and detail; raise a domain subclass, the handler renders it."""

    status_code = 400
    detail: Any = "Bad request"

    def __init__(
        self, detail: Any = None, *, status_code: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        if detail is not None:
            self.detail = detail
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers
        super().__init__(str(self.detail))


def validation_details(errors: Any) -> list[dict[str, Any]]:
    """Keep only the JSON-safe parts of pydantic's error list (its ctx may hold exceptions)."""
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        for err in errors
    ]


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_details(exc.errors())}, status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


DATABASE_UNAVAILABLE = {"error": "database_unavailable"}
# the driver's words for "the server is gone, shutting down or not accepting connections yet"
_SERVER_UNREACHABLE = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached, not that a statement was wrong."""
    if isinstance(exc, sa_exc.TimeoutError | ConnectionError):  # pool exhausted; refused/reset on connect
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        if isinstance(cause, _SERVER_UNREACHABLE):
            return True
        cause = cause.__cause__
    return False


def is_bad_input_value(exc: BaseException) -> bool:
    """True when the database refused a value the client sent (SQLSTATE class 22, or the driver's own encoding
    check: a NUL character in text, an integer beyond int64)."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    cause: BaseException | None = exc.orig
    while cause is not None:
        if isinstance(cause, asyncpg.exceptions.DataError):
            return True
        cause = cause.__cause__
    return False


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_bad_input_value(exc):
        detail = [{"loc": ["request"], "msg": "a value cannot be stored or compared", "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)
    if not is_database_unavailable(exc):
        raise exc  # any other database error is a bug: the 500 of `_unexpected`
    log.warning("database unavailable", extra={"path": request.url.path, "error": f"{type(exc).__name__}: {exc}"})
    return JSONResponse({"detail": DATABASE_UNAVAILABLE}, status_code=503)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for database_error in (sa_exc.DBAPIError, sa_exc.TimeoutError, ConnectionError):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unexpected)
