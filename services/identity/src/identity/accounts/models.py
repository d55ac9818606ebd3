from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from identity.db import Base, Timestamps


class Account(Timestamps, Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("display_code ~ '^[A-Z0-9]{8}$'", name="display_code"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    name: Mapped[str] = mapped_column(String(255))
    display_code: Mapped[str] = mapped_column(String(8), unique=True)
    # deferred: an account and its owner are inserted in one transaction, each pointing at the other
    owner_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", deferrable=True, initially="DEFERRED", use_alter=True)
    )
