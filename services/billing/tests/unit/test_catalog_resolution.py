import uuid
from datetime import UTC, date, datetime

from billing.catalog.models import AccountLimitOverride
from billing.catalog.schemas import PlanLimitsSchema
from billing.catalog.service import apply_limit_overrides, resolve_features
from billing.usage.models import AccountUsage
from billing.usage.service import month_start, usage_view

PRO = PlanLimitsSchema(
    plan="pro",
    max_trees=25,
    max_sessions_per_month=200,
    max_users=5,
    custom_branding=True,
    priority_support=False,
    export_formats=["markdown", "text", "html"],
    max_ai_builds_per_month=50,
    max_ai_builds_per_24h=15,
    kb_accelerator_enabled=True,
    kb_max_lifetime_conversions=None,
    kb_batch_max_size=10,
    kb_allowed_formats=["txt", "paste", "md"],
    kb_detailed_analysis=True,
    kb_conversational_refinement=True,
    kb_step_library_matching=True,
    kb_history_limit=None,
)


def test_override_beats_plan_default_which_beats_false() -> None:
    features = resolve_features(
        ["sso", "psa_integration", "escalation_mode", "new_flag"],
        plan_defaults={"sso": False, "psa_integration": True, "escalation_mode": True},
        overrides={"sso": True, "escalation_mode": False},
    )

    assert features == {"sso": True, "psa_integration": True, "escalation_mode": False, "new_flag": False}


def test_without_override_or_seats_the_plan_limits_apply() -> None:
    assert apply_limit_overrides(PRO, None, None) == PRO


def test_limit_override_replaces_only_its_non_null_columns() -> None:
    override = AccountLimitOverride(
        account_id=uuid.uuid4(), max_trees=100, priority_support=True, export_formats=["pdf"]
    )

    limits = apply_limit_overrides(PRO, override, None)

    assert (limits.max_trees, limits.priority_support, limits.export_formats) == (100, True, ["pdf"])
    assert (limits.max_sessions_per_month, limits.max_users, limits.custom_branding) == (200, 5, True)


def test_paid_seat_count_sets_max_users_over_plan_and_override() -> None:
    override = AccountLimitOverride(account_id=uuid.uuid4(), max_users=50)

    assert apply_limit_overrides(PRO, override, 12).max_users == 12
    assert apply_limit_overrides(PRO, None, 3).max_users == 3


def test_month_start_is_the_first_day_of_the_utc_month() -> None:
    assert month_start(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == date(2026, 3, 1)


def test_usage_of_an_unknown_account_is_all_zero() -> None:
    now = datetime(2026, 3, 5, tzinfo=UTC)

    usage = usage_view(None, now)

    assert (usage.trees, usage.sessions_this_month, usage.ai_builds_this_month, usage.users) == (0, 0, 0, 0)
    assert usage.as_of == now


def test_monthly_counters_read_as_zero_in_a_new_month() -> None:
    row = AccountUsage(
        account_id=uuid.uuid4(),
        trees=4,
        sessions_this_month=30,
        ai_builds_this_month=7,
        users=2,
        period_start=date(2026, 2, 1),
        updated_at=datetime(2026, 2, 20, tzinfo=UTC),
    )

    usage = usage_view(row, datetime(2026, 3, 1, tzinfo=UTC))

    assert (usage.trees, usage.sessions_this_month, usage.ai_builds_this_month, usage.users) == (4, 0, 0, 2)
