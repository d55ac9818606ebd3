from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints

from identity.api_types import Email
from identity.auth.passwords import check_password_rules


def _normalise(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


# login looks the email up as given (normalised); it does not re-validate its format
LoginEmail = Annotated[str, BeforeValidator(_normalise), StringConstraints(min_length=1, max_length=255)]
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
NewPassword = Annotated[str, AfterValidator(check_password_rules)]
# an emailed secret as the SPA read it from the link
EmailedSecret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


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
    token: EmailedSecret


class VerifyEmailResponse(TokenPair):
    message: Literal["Email verified"] = "Email verified"
    email_verified_at: str
    already_verified: bool


class LogoutRequest(BaseModel):
    refresh_token: str | None = None


class ChangePasswordRequest(BaseModel):
    current_password: LoginPassword
    new_password: NewPassword


class ForgotPasswordRequest(BaseModel):
    email: Email


class ResetPasswordRequest(BaseModel):
    token: EmailedSecret
    new_password: NewPassword


class ForgotPasswordResponse(BaseModel):
    """The same answer whether or not the account exists."""

    message: Literal["If an account exists for that email, a reset link has been sent."] = (
        "If an account exists for that email, a reset link has been sent."
    )


class ResetPasswordResponse(BaseModel):
    message: Literal["Password has been reset"] = "Password has been reset"


class VerificationSentResponse(BaseModel):
    message: Literal["Verification email sent"] = "Verification email sent"
