from datetime import datetime

from shared.errors import ApiError

UPGRADE_URL = "/account/billing/select-plan"
RESEND_URL = "/api/v1/auth/email/send-verification"


class NotEnoughPermissions(ApiError):
    status_code = 403
    detail = "Not enough permissions"


class NoSubscription(ApiError):
    status_code = 402
    detail = {"error": "no_subscription", "upgrade_url": UPGRADE_URL}


class SubscriptionInactive(ApiError):
    status_code = 402

    def __init__(self, *, status: str, plan: str, current_period_end: datetime | None) -> None:
        super().__init__(
            {
                "error": "subscription_inactive",
                "status": status,
                "plan": plan,
                "current_period_end": current_period_end.isoformat() if current_period_end else None,
                "upgrade_url": UPGRADE_URL,
            }
        )


class EmailNotVerified(ApiError):
    status_code = 403

    def __init__(self, *, grace_ended_at: datetime | None) -> None:
        super().__init__(
            {
                "error": "email_not_verified",
                "grace_ended_at": grace_ended_at.isoformat() if grace_ended_at else None,
                "resend_url": RESEND_URL,
            }
        )


class FeatureNotInPlan(ApiError):
    status_code = 402

    def __init__(self, *, feature: str, current_plan: str) -> None:
        super().__init__(
            {
                "error": "feature_not_in_plan",
                "feature": feature,
                "current_plan": current_plan,
                "upgrade_url": UPGRADE_URL,
            }
        )


class LimitReached(ApiError):
    status_code = 402

    def __init__(self, *, limit: str | None, used: int | None, maximum: int | None, plan: str | None) -> None:
        super().__init__(
            {
                "error": "limit_reached",
                "limit": limit,
                "used": used,
                "max": maximum,
                "plan": plan,
                "upgrade_url": UPGRADE_URL,
            }
        )
