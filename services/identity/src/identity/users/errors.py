from shared.errors import ApiError


class UserNotFound(ApiError):
    status_code = 404
    detail = "User not found"


class InactiveUser(ApiError):
    status_code = 403
    detail = "Inactive user"
