"""Request and response models of api.md §3.2."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints

from identity.api_types import Email
from identity.auth.schemas import TokenPair


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _local_path(value: str | None) -> str | None:
    # "//host" and "/\host" are read by browsers as another origin: not a path of ours
    if value is not None and (not value.startswith("/") or value.startswith(("//", "/\\"))):
        raise ValueError("redirect_after must be a path starting with /")
    return value


OptionalCode = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None,
    BeforeValidator(_blank_is_none),
]
OptionalEmail = Annotated[Email | None, BeforeValidator(_blank_is_none)]
RedirectAfter = Annotated[
    Annotated[str, StringConstraints(max_length=500)] | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(_local_path),
]


class AuthorizeQuery(BaseModel):
    account_invite_code: OptionalCode = None
    invited_email: OptionalEmail = None
    redirect_after: RedirectAfter = None


class AuthorizeResponse(BaseModel):
    url: str
    state: str


class CallbackRequest(BaseModel):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096)]
    state: Annotated[Annotated[str, StringConstraints(max_length=64)] | None, BeforeValidator(_blank_is_none)] = None
    account_invite_code: OptionalCode = None
    invited_email: OptionalEmail = None


class OAuthTokenResponse(TokenPair):
    is_new_user: bool
