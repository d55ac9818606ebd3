from typing import Any

from shared.errors import ApiError


class IncorrectCredentials(ApiError):
    status_code = 401
    detail = "Incorrect email or password"

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": "Bearer"})


class TooManyAttempts(ApiError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            {"error": "too_many_attempts", "retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class UseOAuthProvider(ApiError):
    def __init__(self, providers: list[str]) -> None:
        detail: dict[str, Any] = {"error": "use_oauth_provider", "providers": sorted(providers)}
        super().__init__(detail)


class InvalidRefreshToken(ApiError):
    status_code = 401
    detail = {"error": "invalid_refresh_token"}


class RefreshTokenReused(ApiError):
    status_code = 401
    detail = {"error": "refresh_token_reused"}


class RefreshTokenRevoked(ApiError):
    status_code = 401
    detail = {"error": "refresh_token_revoked"}


class InvalidVerificationToken(ApiError):
    detail = "Invalid or expired verification token"


class IncorrectCurrentPassword(ApiError):
    status_code = 401
    detail = "Incorrect current password"


class InvalidResetToken(ApiError):
    detail = "Invalid or expired reset token"


class EmailAlreadyVerified(ApiError):
    detail = "Email already verified"
