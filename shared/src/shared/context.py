"""Per-request and per-event context: the request id (correlation) and the causing event."""

import re
import uuid
from contextvars import ContextVar
from uuid import UUID

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[UUID | None] = ContextVar("causation_id", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def accept_request_id(value: str | None) -> str:
    """Keep a well-formed client request id, else make a fresh one."""
    if value and _REQUEST_ID.match(value):
        return value
    return str(uuid.uuid4())


def current_correlation_id() -> str:
    return correlation_id_var.get() or str(uuid.uuid4())
