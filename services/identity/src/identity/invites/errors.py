from typing import Any

from shared.errors import ApiError


class InvalidInviteCode(ApiError):
    detail = "Invalid invite code"


class InviteCodeUsed(ApiError):
    detail = "Invite code has already been used"


class InviteCodeExpired(ApiError):
    detail = "Invite code has expired"


class InvalidAccountInviteCode(ApiError):
    detail = "Invalid account invite code"


class AccountInviteUsed(ApiError):
    detail = "Account invite code has already been used"


class AccountInviteRevoked(ApiError):
    detail = "Account invite code has been revoked"


class AccountInviteExpired(ApiError):
    detail = "Account invite code has expired"


class InviteEmailMismatch(ApiError):
    detail: Any = {"error": "invite_email_mismatch"}


class AlreadyMember(ApiError):
    status_code = 409
    detail: Any = {"error": "already_member"}


class AccountInviteNotFound(ApiError):
    status_code = 404
    detail = "Invite not found"


class CannotRevokeAccepted(ApiError):
    detail = "Cannot revoke an accepted invite"


class CannotResendAccepted(ApiError):
    detail = "Cannot resend an accepted invite"


class CannotResendRevoked(ApiError):
    detail = "Cannot resend a revoked invite"


class InviteUnavailable(ApiError):
    """One answer for unknown, expired, revoked and accepted codes, so lookups reveal nothing."""

    status_code = 404
    detail: Any = {"error": "invite_invalid_or_expired_or_revoked"}
