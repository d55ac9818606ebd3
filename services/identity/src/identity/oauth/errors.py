"""The error answers of api.md §3.2 (Google and Microsoft sign-in)."""

from typing import Any

from shared.errors import ApiError


class UnknownProvider(ApiError):
    status_code = 404
    detail = "Unknown provider"


class ProviderNotConfigured(ApiError):
    status_code = 503

    def __init__(self, label: str) -> None:
        super().__init__(f"{label} sign-in not configured")


class OAuthStateInvalid(ApiError):
    detail: Any = {"error": "oauth_state_invalid"}


class OAuthExchangeFailed(ApiError):
    detail: Any = {"error": "oauth_exchange_failed"}


class OAuthProviderUnavailable(ApiError):
    status_code = 502
    detail: Any = {"error": "oauth_provider_unavailable"}


class OAuthIdTokenInvalid(ApiError):
    detail: Any = {"error": "oauth_id_token_invalid"}


class OAuthEmailNotVerified(ApiError):
    detail: Any = {"error": "oauth_email_not_verified"}


class EmailAlreadyRegisteredUseLogin(ApiError):
    detail: Any = {
        "error": "email_already_registered_use_login",
        "message": "An account already exists for this email. Please sign in instead, "
        "then accept the invite from your dashboard.",
    }


class InviteInvalidOrExpiredOrRevoked(ApiError):
    detail: Any = {"error": "invite_invalid_or_expired_or_revoked"}


class InviteCodeRequired(ApiError):
    detail: Any = {"error": "invite_code_required"}
