from shared.errors import ApiError


class EntitlementsUnavailable(ApiError):
    """Billing could not answer and nothing usable is cached: never let a request through unchecked."""

    status_code = 503
    detail = {"error": "entitlements_unavailable"}
