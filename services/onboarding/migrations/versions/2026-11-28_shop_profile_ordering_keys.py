"""shop profile ordering keys: the time of the newest applied account name and PSA connection fact

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shop_profiles", sa.Column("company_name_as_of", sa.DateTime(timezone=True), nullable=True))
    op.add_column("shop_profiles", sa.Column("connected_psa_as_of", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("shop_profiles", "connected_psa_as_of")
    op.drop_column("shop_profiles", "company_name_as_of")
