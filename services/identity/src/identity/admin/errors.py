from shared.errors import ApiError


class NotEnoughPermissions(ApiError):
    status_code = 403
    detail = "Not enough permissions"


class CannotChangeOwnAdminStatus(ApiError):
    detail = "Cannot change your own admin status"
