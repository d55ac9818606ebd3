"""seed plan catalog

The plans, prices and feature flags of data-model.md §5. Stripe ids stay null:
`sync-stripe-plans` fills them per environment.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:20:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PLANS = ("free", "starter", "pro", "enterprise")
BASIC_EXPORTS = ["markdown", "text"]
ALL_EXPORTS = ["markdown", "text", "html"]
BASIC_KB_FORMATS = ["txt", "paste", "md"]
ALL_KB_FORMATS = ["txt", "paste", "md", "docx", "pdf", "html"]

PLAN_LIMITS = [
    {
        "plan": "free",
        "max_trees": 3,
        "max_sessions_per_month": 20,
        "max_users": 1,
        "custom_branding": False,
        "priority_support": False,
        "export_formats": BASIC_EXPORTS,
        "max_ai_builds_per_month": 5,
        "max_ai_builds_per_24h": 2,
        "kb_accelerator_enabled": True,
        "kb_max_lifetime_conversions": 3,
        "kb_batch_max_size": 1,
        "kb_allowed_formats": BASIC_KB_FORMATS,
        "kb_detailed_analysis": False,
        "kb_conversational_refinement": False,
        "kb_step_library_matching": False,
        "kb_history_limit": 5,
    },
    {
        "plan": "starter",
        "max_trees": 10,
        "max_sessions_per_month": 75,
        "max_users": 1,
        "custom_branding": False,
        "priority_support": False,
        "export_formats": ALL_EXPORTS,
        "max_ai_builds_per_month": 15,
        "max_ai_builds_per_24h": 5,
        "kb_accelerator_enabled": False,
        "kb_max_lifetime_conversions": None,
        "kb_batch_max_size": None,
        "kb_allowed_formats": BASIC_KB_FORMATS,
        "kb_detailed_analysis": False,
        "kb_conversational_refinement": False,
        "kb_step_library_matching": False,
        "kb_history_limit": None,
    },
    {
        "plan": "pro",
        "max_trees": 25,
        "max_sessions_per_month": 200,
        "max_users": 5,
        "custom_branding": True,
        "priority_support": False,
        "export_formats": ALL_EXPORTS,
        "max_ai_builds_per_month": 50,
        "max_ai_builds_per_24h": 15,
        "kb_accelerator_enabled": True,
        "kb_max_lifetime_conversions": None,
        "kb_batch_max_size": 10,
        "kb_allowed_formats": ALL_KB_FORMATS,
        "kb_detailed_analysis": True,
        "kb_conversational_refinement": True,
        "kb_step_library_matching": True,
        "kb_history_limit": None,
    },
    {
        "plan": "enterprise",
        "max_trees": None,
        "max_sessions_per_month": None,
        "max_users": None,
        "custom_branding": True,
        "priority_support": True,
        "export_formats": ALL_EXPORTS,
        "max_ai_builds_per_month": None,
        "max_ai_builds_per_24h": None,
        "kb_accelerator_enabled": True,
        "kb_max_lifetime_conversions": None,
        "kb_batch_max_size": 25,
        "kb_allowed_formats": ALL_KB_FORMATS,
        "kb_detailed_analysis": True,
        "kb_conversational_refinement": True,
        "kb_step_library_matching": True,
        "kb_history_limit": None,
    },
]

PLAN_BILLING = [
    {"plan": "starter", "display_name": "Starter", "monthly_price_cents": 1999, "sort_order": 10},
    {"plan": "pro", "display_name": "Pro", "monthly_price_cents": 2999, "sort_order": 20},
    {"plan": "enterprise", "display_name": "Enterprise", "monthly_price_cents": None, "sort_order": 30},
]

# flag_key → (display_name, the plans that have it by default)
FEATURE_FLAGS = {
    "psa_integration": ("PSA Integration", {"starter", "pro", "enterprise"}),
    "script_builder": ("Script Builder", {"starter", "pro", "enterprise"}),
    "escalation_mode": ("Escalation Mode", {"pro", "enterprise"}),
    "analytics_dashboards": ("Analytics Dashboards", {"pro", "enterprise"}),
    "knowledge_flywheel": ("Knowledge Flywheel", {"pro", "enterprise"}),
    "team_admin_full": ("Full Team Administration", {"pro", "enterprise"}),
    "sso": ("Single Sign-On", {"enterprise"}),
    "audit_log": ("Audit Log", {"enterprise"}),
}

plan_limits = sa.table(
    "plan_limits",
    *(sa.column(name) for name in PLAN_LIMITS[0] if name not in {"export_formats", "kb_allowed_formats"}),
    sa.column("export_formats", JSONB),
    sa.column("kb_allowed_formats", JSONB),
)
plan_billing = sa.table(
    "plan_billing",
    sa.column("plan"),
    sa.column("display_name"),
    sa.column("monthly_price_cents"),
    sa.column("annual_price_cents"),
    sa.column("is_public"),
    sa.column("is_archived"),
    sa.column("sort_order"),
)
feature_flags = sa.table("feature_flags", sa.column("flag_key"), sa.column("display_name"))


def upgrade() -> None:
    op.bulk_insert(plan_limits, PLAN_LIMITS)
    op.bulk_insert(
        plan_billing,
        [{**row, "annual_price_cents": None, "is_public": True, "is_archived": False} for row in PLAN_BILLING],
    )
    op.bulk_insert(feature_flags, [{"flag_key": key, "display_name": name} for key, (name, _) in FEATURE_FLAGS.items()])
    bind = op.get_bind()
    for flag_key, (_, plans) in FEATURE_FLAGS.items():
        for plan in PLANS:
            bind.execute(
                sa.text(
                    "INSERT INTO plan_feature_defaults (plan, flag_id, enabled) "
                    "SELECT :plan, id, :enabled FROM feature_flags WHERE flag_key = :flag_key"
                ),
                {"plan": plan, "enabled": plan in plans, "flag_key": flag_key},
            )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM feature_flags WHERE flag_key = ANY(:keys)"), {"keys": list(FEATURE_FLAGS)})
    bind.execute(sa.text("DELETE FROM plan_billing WHERE plan = ANY(:plans)"), {"plans": list(PLANS)})
    bind.execute(sa.text("DELETE FROM plan_limits WHERE plan = ANY(:plans)"), {"plans": list(PLANS)})
