"""The answers of api.md §4.3 that are not a processed event."""

from shared.errors import ApiError


class MissingSignature(ApiError):
    status_code = 400
    detail = "Missing stripe-signature header"


class InvalidSignature(ApiError):
    status_code = 400
    detail = "Invalid signature"


class InvalidPayload(ApiError):
    """Signed by Stripe but not an event this endpoint can read."""

    status_code = 400
    detail = "Invalid payload"


class StripeFetchFailed(ApiError):
    """Stripe could not be asked for what the event needs: 500, so Stripe delivers the event again."""

    status_code = 500
    detail = {"error": "stripe_unavailable"}
