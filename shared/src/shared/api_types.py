"""Field types of the api.md §1 conventions, shared by every service's request and response models."""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, EmailStr, PlainSerializer, StringConstraints


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _normalise_email(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


# ISO 8601 with an explicit `+00:00` offset, as api.md writes times
IsoTime = Annotated[datetime, PlainSerializer(_utc_iso, return_type=str, when_used="json")]
# trimmed and lower-cased before anything stores or compares it
Email = Annotated[EmailStr, BeforeValidator(_normalise_email), StringConstraints(max_length=255)]
