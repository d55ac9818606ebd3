from shared.errors import ApiError


class NoSubscriptionSnapshot(ApiError):
    status_code = 404
    detail = {"error": "no_subscription"}
