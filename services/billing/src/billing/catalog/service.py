"""The catalog's rules: which features and limits an account gets from its plan and its overrides."""

from collections.abc import Iterable, Mapping
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.catalog.models import (
    AccountFeatureOverride,
    AccountLimitOverride,
    FeatureFlag,
    PlanBilling,
    PlanFeatureDefault,
    PlanLimits,
)
from billing.catalog.schemas import (
    ComparisonPlan,
    FeatureComparison,
    LimitComparison,
    PlanBillingSummary,
    PlanComparison,
    PlanLimitsSchema,
    PublicPlan,
)

LIMIT_OVERRIDE_FIELDS = (
    "max_trees",
    "max_sessions_per_month",
    "max_users",
    "max_ai_builds_per_month",
    "max_ai_builds_per_24h",
    "kb_max_lifetime_conversions",
    "custom_branding",
    "priority_support",
    "export_formats",
)
# The limits the pricing page compares, in the order it shows them.
COMPARED_LIMITS = (
    "max_users",
    "max_trees",
    "max_sessions_per_month",
    "max_ai_builds_per_month",
    "custom_branding",
    "priority_support",
    "export_formats",
)
IS_PUBLIC_PLAN = (PlanBilling.is_public.is_(True), PlanBilling.is_archived.is_(False))
PUBLIC_PLAN_ORDER = (PlanBilling.sort_order, PlanBilling.plan)


def resolve_features(
    flag_keys: Iterable[str], plan_defaults: Mapping[str, bool], overrides: Mapping[str, bool]
) -> dict[str, bool]:
    """Every flag: the account's override if present, else the plan default, else false."""
    return {key: overrides.get(key, plan_defaults.get(key, False)) for key in flag_keys}


def apply_limit_overrides(
    limits: PlanLimitsSchema, override: AccountLimitOverride | None, seat_limit: int | None
) -> PlanLimitsSchema:
    """The effective limits: non-null override columns replace the plan's; a seat count (Stripe
    quantity) then sets `max_users`."""
    changes = {}
    if override is not None:
        for field in LIMIT_OVERRIDE_FIELDS:
            value = getattr(override, field)
            if value is not None:
                changes[field] = value
    if seat_limit is not None:
        changes["max_users"] = seat_limit
    return limits.model_copy(update=changes)


async def plan_limits(*, session: AsyncSession, plan: str) -> PlanLimitsSchema:
    row = await session.get(PlanLimits, plan)
    if row is None:
        # Subscriptions reference plan_limits by foreign key, so a subscribed plan always has a row.
        raise LookupError(f"plan {plan!r} has no plan_limits row")
    return PlanLimitsSchema.model_validate(row)


async def effective_limits(
    *, session: AsyncSession, account_id: UUID, plan: str, seat_limit: int | None
) -> PlanLimitsSchema:
    override = await session.scalar(select(AccountLimitOverride).where(AccountLimitOverride.account_id == account_id))
    return apply_limit_overrides(await plan_limits(session=session, plan=plan), override, seat_limit)


async def enabled_features(*, session: AsyncSession, account_id: UUID, plan: str) -> dict[str, bool]:
    """Every flag resolved for the account on `plan`."""
    rows = await session.execute(
        select(FeatureFlag.flag_key, PlanFeatureDefault.enabled, AccountFeatureOverride.enabled)
        .outerjoin(
            PlanFeatureDefault,
            and_(PlanFeatureDefault.flag_id == FeatureFlag.id, PlanFeatureDefault.plan == plan),
        )
        .outerjoin(
            AccountFeatureOverride,
            and_(
                AccountFeatureOverride.flag_id == FeatureFlag.id,
                AccountFeatureOverride.account_id == account_id,
            ),
        )
        .order_by(FeatureFlag.flag_key)
    )
    keys: list[str] = []
    defaults: dict[str, bool] = {}
    overrides: dict[str, bool] = {}
    for key, default, override in rows:
        keys.append(key)
        if default is not None:
            defaults[key] = default
        if override is not None:
            overrides[key] = override
    return resolve_features(keys, defaults, overrides)


async def plan_billing_summary(*, session: AsyncSession, plan: str) -> PlanBillingSummary | None:
    row = await session.get(PlanBilling, plan)
    return PlanBillingSummary.model_validate(row) if row is not None else None


async def public_plans(*, session: AsyncSession) -> list[PublicPlan]:
    """The pricing page: public, unarchived plans by `sort_order` then plan; seats = `max_users`."""
    rows = await session.execute(
        select(PlanBilling, PlanLimits.max_users)
        .join(PlanLimits, PlanLimits.plan == PlanBilling.plan)
        .where(*IS_PUBLIC_PLAN)
        .order_by(*PUBLIC_PLAN_ORDER)
    )
    return [
        PublicPlan(
            plan=row.plan,
            display_name=row.display_name,
            description=row.description,
            monthly_price_cents=row.monthly_price_cents,
            annual_price_cents=row.annual_price_cents,
            max_seats=max_users,
            sort_order=row.sort_order,
            is_public=row.is_public,
        )
        for row, max_users in rows
    ]


async def public_plan_comparison(*, session: AsyncSession) -> PlanComparison:
    """The pricing page's feature table: the plans of `public_plans` in its order, their compared limits
    and every flag's plan default (missing row = false). Account overrides play no part."""
    plans = (
        await session.execute(
            select(PlanBilling.plan, PlanBilling.display_name, PlanLimits)
            .join(PlanLimits, PlanLimits.plan == PlanBilling.plan)
            .where(*IS_PUBLIC_PLAN)
            .order_by(*PUBLIC_PLAN_ORDER)
        )
    ).all()
    names = [plan for plan, _, _ in plans]
    flags = await session.scalars(select(FeatureFlag).order_by(FeatureFlag.display_name, FeatureFlag.flag_key))
    defaults = {
        (flag_id, plan): enabled
        for flag_id, plan, enabled in await session.execute(
            select(PlanFeatureDefault.flag_id, PlanFeatureDefault.plan, PlanFeatureDefault.enabled).where(
                PlanFeatureDefault.plan.in_(names)
            )
        )
    }
    return PlanComparison(
        plans=[ComparisonPlan(plan=plan, display_name=display_name) for plan, display_name, _ in plans],
        limits=[
            LimitComparison(key=key, values={plan: getattr(limits, key) for plan, _, limits in plans})
            for key in COMPARED_LIMITS
        ],
        features=[
            FeatureComparison(
                flag_key=flag.flag_key,
                display_name=flag.display_name,
                description=flag.description,
                plans={plan: defaults.get((flag.id, plan), False) for plan in names},
            )
            for flag in flags
        ],
    )


async def plan_exists(*, session: AsyncSession, plan: str) -> bool:
    """Whether the catalog knows `plan` (it has a `plan_limits` row)."""
    return await session.get(PlanLimits, plan) is not None
