from typing import Any

from pydantic import BaseModel, ConfigDict


class PlanLimitsSchema(BaseModel):
    """Every `plan_limits` column; a null number means unlimited."""

    model_config = ConfigDict(from_attributes=True)

    plan: str
    max_trees: int | None
    max_sessions_per_month: int | None
    max_users: int | None
    custom_branding: bool
    priority_support: bool
    export_formats: list[Any]
    max_ai_builds_per_month: int | None
    max_ai_builds_per_24h: int | None
    kb_accelerator_enabled: bool
    kb_max_lifetime_conversions: int | None
    kb_batch_max_size: int | None
    kb_allowed_formats: list[Any]
    kb_detailed_analysis: bool
    kb_conversational_refinement: bool
    kb_step_library_matching: bool
    kb_history_limit: int | None


class PlanBillingSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    display_name: str
    description: str | None
    monthly_price_cents: int | None
    annual_price_cents: int | None


class PublicPlan(BaseModel):
    plan: str
    display_name: str
    description: str | None
    monthly_price_cents: int | None
    annual_price_cents: int | None
    max_seats: int | None
    sort_order: int
    is_public: bool


class ComparisonPlan(BaseModel):
    plan: str
    display_name: str


class LimitComparison(BaseModel):
    """One limit across the compared plans; a null number means unlimited."""

    key: str
    values: dict[str, bool | int | list[str] | None]


class FeatureComparison(BaseModel):
    """One flag with each compared plan's default (false where the plan has no default row)."""

    flag_key: str
    display_name: str
    description: str | None
    plans: dict[str, bool]


class PlanComparison(BaseModel):
    """The pricing page's feature table: the public plans, their limits and their flag defaults."""

    plans: list[ComparisonPlan]
    limits: list[LimitComparison]
    features: list[FeatureComparison]
