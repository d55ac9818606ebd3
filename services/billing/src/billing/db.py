"""The service's table metadata (naming convention of data-model.md) and request dependencies."""

from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import make_metadata
from shared.dependencies import Now, Session

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def updated_at_column() -> Mapped[datetime]:
    """`updated_at`: now() on insert and on every ORM update."""
    return mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


__all__ = ["Base", "Now", "Session", "metadata"]
