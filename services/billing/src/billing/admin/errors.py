"""The error answers of api.md §4.4 and §4.5."""

from shared.errors import ApiError


class PlanNotFound(ApiError):
    status_code = 404
    detail = "Plan not found"


class FeatureFlagExists(ApiError):
    status_code = 409
    detail = "Feature flag already exists"


class FeatureFlagNotFound(ApiError):
    status_code = 404
    detail = "Feature flag not found"


class OverrideExists(ApiError):
    status_code = 409
    detail = "Override already exists for this account"


class OverrideNotFound(ApiError):
    status_code = 404
    detail = "Override not found"


class InvalidPlan(ApiError):
    status_code = 400
    detail = "Invalid plan"


class UserNotFound(ApiError):
    status_code = 404
    detail = "User not found"


class IdentityUnavailable(ApiError):
    status_code = 502
    detail = {"error": "identity_unavailable"}


class SubscriptionNotFound(ApiError):
    status_code = 404
    detail = "Subscription not found"


class AccountNotFound(ApiError):
    status_code = 404
    detail = "Account not found"


class PlanAndStatusRequired(ApiError):
    status_code = 400
    detail = {"error": "plan_and_status_required"}


class TrialRequiresPeriodEnd(ApiError):
    status_code = 400
    detail = {"error": "trial_requires_period_end"}
