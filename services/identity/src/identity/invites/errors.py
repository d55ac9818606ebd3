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
