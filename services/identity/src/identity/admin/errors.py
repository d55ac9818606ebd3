from shared.errors import ApiError


class CannotChangeOwnAdminStatus(ApiError):
    detail = "Cannot change your own admin status"
