"""The event envelope and one Pydantic model per event type's `data` (events.md)."""

from shared.events.billing import (
    FeatureOverridesChanged,
    PaymentFailed,
    PlanCatalogChanged,
    SubscriptionChanged,
    TrialEnding,
)
from shared.events.envelope import Envelope, EventData
from shared.events.identity import (
    AccountCreated,
    AccountRenamed,
    EmailVerificationRequested,
    InviteAccepted,
    InviteCodeCreated,
    InviteCreated,
    InviteResent,
    InviteRevoked,
    OwnershipTransferred,
    PasswordResetRequested,
    PlatformInvite,
    SettingsChanged,
    UserEmailVerified,
    UserRegistered,
)
from shared.events.notifications import EmailFailed, EmailRetryRequested, EmailSent
from shared.events.onboarding import (
    OnboardingDismissed,
    OnboardingStepCompleted,
    SalesLeadCreated,
    ShopProfileUpdated,
)
from shared.events.product import ActivityRecorded, ActivityTotals

EVENT_MODELS: dict[str, type[EventData]] = {
    "identity.account.created": AccountCreated,
    "identity.user.registered": UserRegistered,
    "identity.email_verification.requested": EmailVerificationRequested,
    "identity.user.email_verified": UserEmailVerified,
    "identity.password_reset.requested": PasswordResetRequested,
    "identity.invite.created": InviteCreated,
    "identity.invite.resent": InviteResent,
    "identity.invite.revoked": InviteRevoked,
    "identity.invite.accepted": InviteAccepted,
    "identity.invite_code.created": InviteCodeCreated,
    "identity.account.renamed": AccountRenamed,
    "identity.account.ownership_transferred": OwnershipTransferred,
    "identity.settings.changed": SettingsChanged,
    "billing.subscription.changed": SubscriptionChanged,
    "billing.trial.ending": TrialEnding,
    "billing.payment.failed": PaymentFailed,
    "billing.plan_catalog.changed": PlanCatalogChanged,
    "billing.feature_overrides.changed": FeatureOverridesChanged,
    "onboarding.shop_profile.updated": ShopProfileUpdated,
    "onboarding.step.completed": OnboardingStepCompleted,
    "onboarding.dismissed": OnboardingDismissed,
    "sales.lead.created": SalesLeadCreated,
    "notifications.email.sent": EmailSent,
    "notifications.email.failed": EmailFailed,
    "notifications.email.retry_requested": EmailRetryRequested,
    "product.activity.recorded": ActivityRecorded,
}
"""Event type → model of its `data` at version 1 (the only version so far)."""

EVENT_TYPES: dict[type[EventData], str] = {model: name for name, model in EVENT_MODELS.items()}

__all__ = [
    "EVENT_MODELS",
    "EVENT_TYPES",
    "AccountCreated",
    "AccountRenamed",
    "ActivityRecorded",
    "ActivityTotals",
    "EmailFailed",
    "EmailRetryRequested",
    "EmailSent",
    "EmailVerificationRequested",
    "Envelope",
    "EventData",
    "FeatureOverridesChanged",
    "InviteAccepted",
    "InviteCodeCreated",
    "InviteCreated",
    "InviteResent",
    "InviteRevoked",
    "OnboardingDismissed",
    "OnboardingStepCompleted",
    "OwnershipTransferred",
    "PasswordResetRequested",
    "PaymentFailed",
    "PlanCatalogChanged",
    "PlatformInvite",
    "SalesLeadCreated",
    "SettingsChanged",
    "ShopProfileUpdated",
    "SubscriptionChanged",
    "TrialEnding",
    "UserEmailVerified",
    "UserRegistered",
]
