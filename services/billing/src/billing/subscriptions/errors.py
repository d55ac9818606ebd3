from shared.errors import ApiError


class NoSubscription(ApiError):
    status_code = 404
    detail = "No subscription for account"
