from shared.errors import ApiError


class AccountNotFound(ApiError):
    status_code = 404
    detail = "Account not found"


class NotOwnerOrAdmin(ApiError):
    status_code = 403
    detail = "Only the account owner or an admin can do this"


class NotOwner(ApiError):
    status_code = 403
    detail = "Only the account owner can do this"


class MemberNotFound(ApiError):
    status_code = 404
    detail = "Member not found"


class UseTransferOwnership(ApiError):
    detail = "Use transfer-ownership to change the owner"


class AlreadyOwner(ApiError):
    detail = "You already own this account"


class InactiveNewOwner(ApiError):
    detail = "Cannot transfer ownership to an inactive member"


class IncorrectPassword(ApiError):
    status_code = 401
    detail = "Incorrect password"
