"""The error codes of api.md §4.1 checkout-session and portal-session."""

from shared.errors import ApiError


class OwnerOrAdminRequired(ApiError):
    status_code = 403
    detail = {"error": "owner_or_admin_required"}


class StripeNotConfigured(ApiError):
    status_code = 503
    detail = {"error": "stripe_not_configured"}


class PlanNotPurchasable(ApiError):
    status_code = 400

    def __init__(self, *, plan: str, billing_interval: str) -> None:
        super().__init__({"error": "plan_not_purchasable", "plan": plan, "billing_interval": billing_interval})


class AlreadySubscribed(ApiError):
    status_code = 409
    detail = {"error": "already_subscribed"}


class NoStripeCustomer(ApiError):
    status_code = 400
    detail = {"error": "no_stripe_customer"}


class StripeUnavailable(ApiError):
    status_code = 502
    detail = {"error": "stripe_unavailable"}
