from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, StringConstraints


def _normalise(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# login looks the email up as given (normalised); it does not re-validate its format
LoginEmail = Annotated[str, BeforeValidator(_normalise), StringConstraints(min_length=1, max_length=255)]
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginRequest(BaseModel):
    email: LoginEmail
    password: LoginPassword


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth token type, not a secret)


class RefreshRequest(BaseModel):
    refresh_token: str | None = None


class VerifyEmailRequest(BaseModel):
    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class VerifyEmailResponse(TokenPair):
    message: Literal["Email verified"] = "Email verified"
    email_verified_at: str
    already_verified: bool
