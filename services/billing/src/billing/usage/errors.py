from shared.errors import ApiError


class NoSubscriptionToReserve(ApiError):
    status_code = 404
    detail = {"error": "no_subscription"}
