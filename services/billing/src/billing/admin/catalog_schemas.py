"""Request and response models of catalog administration (api.md §4.4)."""

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from billing.catalog.schemas import PlanLimitsSchema
from shared.api_types import IsoTime

INT32_MAX = 2**31 - 1

# a stored `integer` column: never negative, never past what PostgreSQL can hold
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
Formats = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=50)]], Field(max_length=50)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255)]
StripeId = Annotated[str, StringConstraints(max_length=255)]
Note = Annotated[str, StringConstraints(max_length=500)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
FlagKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,99}$")]

# `plan_limits` columns where null means unlimited
LIMIT_NUMBERS = frozenset(
    {
        "max_trees",
        "max_sessions_per_month",
        "max_users",
        "max_ai_builds_per_month",
        "max_ai_builds_per_24h",
        "kb_max_lifetime_conversions",
        "kb_batch_max_size",
        "kb_history_limit",
    }
)
# NOT NULL `plan_limits` columns: a null sent for them is ignored
LIMIT_SETTINGS = frozenset(
    {
        "custom_branding",
        "priority_support",
        "export_formats",
        "kb_accelerator_enabled",
        "kb_allowed_formats",
        "kb_detailed_analysis",
        "kb_conversational_refinement",
        "kb_step_library_matching",
    }
)
BILLING_FIELDS = frozenset(
    {
        "display_name",
        "description",
        "monthly_price_cents",
        "annual_price_cents",
        "stripe_product_id",
        "stripe_monthly_price_id",
        "stripe_annual_price_id",
        "is_public",
        "is_archived",
        "sort_order",
    }
)
# NOT NULL `plan_billing` columns: a null sent for them never clears them
BILLING_REQUIRED = frozenset({"display_name", "is_public", "is_archived", "sort_order"})


class PlanBillingFields(BaseModel):
    display_name: str | None = None
    description: str | None = None
    monthly_price_cents: int | None = None
    annual_price_cents: int | None = None
    stripe_product_id: str | None = None
    stripe_monthly_price_id: str | None = None
    stripe_annual_price_id: str | None = None
    is_public: bool | None = None
    is_archived: bool | None = None
    sort_order: int | None = None


class PlanCatalogEntry(PlanBillingFields, PlanLimitsSchema):
    """A plan's raw limits and its billing row (billing fields null when the plan has none)."""


class PlanLimitsUpdate(BaseModel):
    """Partial by the fields sent: a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid")

    plan: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    max_trees: Count | None = None
    max_sessions_per_month: Count | None = None
    max_users: Count | None = None
    custom_branding: bool | None = None
    priority_support: bool | None = None
    export_formats: Formats | None = None
    max_ai_builds_per_month: Count | None = None
    max_ai_builds_per_24h: Count | None = None
    kb_accelerator_enabled: bool | None = None
    kb_max_lifetime_conversions: Count | None = None
    kb_batch_max_size: Count | None = None
    kb_allowed_formats: Formats | None = None
    kb_detailed_analysis: bool | None = None
    kb_conversational_refinement: bool | None = None
    kb_step_library_matching: bool | None = None
    kb_history_limit: Count | None = None
    display_name: Name | None = None
    description: Description | None = None
    monthly_price_cents: Count | None = None
    annual_price_cents: Count | None = None
    stripe_product_id: StripeId | None = None
    stripe_monthly_price_id: StripeId | None = None
    stripe_annual_price_id: StripeId | None = None
    is_public: bool | None = None
    is_archived: bool | None = None
    sort_order: Annotated[int, Field(ge=-INT32_MAX, le=INT32_MAX)] | None = None


class FeatureFlagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flag_key: FlagKey
    display_name: Name
    description: Description | None = None


class FeatureFlagUpdate(BaseModel):
    """Partial by the fields sent; a null `display_name` is ignored, a null `description` clears it."""

    model_config = ConfigDict(extra="forbid")

    display_name: Name | None = None
    description: Description | None = None


class FeatureFlagView(BaseModel):
    id: UUID
    flag_key: str
    display_name: str
    description: str | None
    plan_defaults: dict[str, bool]
    created_at: IsoTime
    updated_at: IsoTime


class PlanDefault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    flag_key: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    enabled: bool


class FeatureOverrideUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: UUID
    flag_key: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    enabled: bool
    note: Note | None = None


class FeatureOverrideView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    account_id: UUID
    flag_id: UUID
    flag_key: str
    enabled: bool
    note: str | None
    created_at: IsoTime


class LimitOverrideFields(BaseModel):
    """A null field inherits the plan's value."""

    model_config = ConfigDict(extra="forbid")

    max_trees: Count | None = None
    max_sessions_per_month: Count | None = None
    max_users: Count | None = None
    max_ai_builds_per_month: Count | None = None
    max_ai_builds_per_24h: Count | None = None
    kb_max_lifetime_conversions: Count | None = None
    custom_branding: bool | None = None
    priority_support: bool | None = None
    export_formats: Formats | None = None
    note: Note | None = None


class LimitOverrideCreate(LimitOverrideFields):
    account_id: UUID


class LimitOverrideView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    account_id: UUID
    max_trees: int | None
    max_sessions_per_month: int | None
    max_users: int | None
    max_ai_builds_per_month: int | None
    max_ai_builds_per_24h: int | None
    kb_max_lifetime_conversions: int | None
    custom_branding: bool | None
    priority_support: bool | None
    export_formats: list[str] | None
    note: str | None
    created_at: IsoTime
    updated_at: IsoTime
