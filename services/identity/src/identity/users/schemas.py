from functools import cache
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, HttpUrl, StringConstraints, TypeAdapter, field_validator

from identity.api_types import IsoTime, PersonName

TIMEZONE_MAX_LENGTH = 64
AVATAR_URL_MAX_LENGTH = 500


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _iana_zone(value: str) -> str:
    if value not in _zone_names():
        raise ValueError("Unknown time zone; expected an IANA zone name such as 'Europe/Paris'")
    return value


_http_url: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _web_url(value: str) -> str:
    """The URL as given (pydantic's normalised form would not round-trip), once it parses as http(s)."""
    _http_url.validate_python(value)
    return value


TimeZoneName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TIMEZONE_MAX_LENGTH),
    AfterValidator(_iana_zone),
]
AvatarUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=AVATAR_URL_MAX_LENGTH),
    AfterValidator(_web_url),
]


class UserResponse(BaseModel):
    """api.md "Shared response objects"."""

    id: UUID
    email: str
    name: str
    role: str
    is_super_admin: bool
    is_active: bool
    account_id: UUID
    account_role: str
    timezone: str
    avatar_url: str | None
    email_verified_at: IsoTime | None
    created_at: IsoTime
    updated_at: IsoTime
    onboarding_step_completed: int | None
    onboarding_dismissed: bool
    has_password: bool
    oauth_providers: list[str]


class UserUpdate(BaseModel):
    """`PATCH /api/v1/users/me`: only the fields present change; `avatar_url: null` removes the avatar."""

    name: PersonName | None = None
    timezone: TimeZoneName | None = None
    avatar_url: AvatarUrl | None = None

    @field_validator("name", "timezone", mode="before")
    @classmethod
    def _present_means_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    def changes(self) -> dict[str, str | None]:
        return {field: getattr(self, field) for field in sorted(self.model_fields_set)}


class InternalUser(BaseModel):
    """`GET /internal/users/{user_id}` (api.md §3.9)."""

    id: UUID
    email: str
    name: str
    account_id: UUID
    account_role: str
    is_active: bool
    is_super_admin: bool
    email_verified_at: IsoTime | None
    created_at: IsoTime
