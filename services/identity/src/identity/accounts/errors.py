from shared.errors import ApiError


class AccountNotFound(ApiError):
    status_code = 404
    detail = "Account not found"
