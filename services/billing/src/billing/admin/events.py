"""Builders of the catalog events admin changes publish (the gateway's cache invalidations)."""

from typing import Literal
from uuid import UUID

from shared.events import FeatureOverridesChanged, PlanCatalogChanged

CatalogChange = Literal["plan_limits", "plan_billing", "feature_default", "feature_flag", "stripe_sync"]


def plan_catalog_changed(*, plans: list[str] | None, change: CatalogChange, changed_by: UUID) -> PlanCatalogChanged:
    """`plans` None = every plan (a flag definition touches all of them)."""
    return PlanCatalogChanged(plans=plans, change=change, changed_by=changed_by)


def feature_override_changed(
    *, account_id: UUID, flag_key: str, enabled: bool | None, changed_by: UUID
) -> FeatureOverridesChanged:
    return FeatureOverridesChanged(
        account_id=account_id, kind="feature", flag_key=flag_key, enabled=enabled, changed_by=changed_by
    )


def limit_override_changed(*, account_id: UUID, changed_by: UUID) -> FeatureOverridesChanged:
    return FeatureOverridesChanged(account_id=account_id, kind="limit", changed_by=changed_by)
