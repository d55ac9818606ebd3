from typing import Any

from shared.errors import ApiError


class InviteCodeNotFound(ApiError):
    status_code = 404
    detail = "Invite code not found"


class InviteCodeAlreadyUsed(ApiError):
    detail = "Invite code has already been used"


class ExpiryNotInFuture(ApiError):
    """A 422 in the validation shape, because "future" can only be judged against the service's clock."""

    status_code = 422
    detail: Any = [{"loc": ["body", "expires_at"], "msg": "expires_at must be in the future", "type": "value_error"}]
