"""The service's table metadata (naming convention of data-model.md) and session dependency."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import Timestamps, make_metadata
from shared.dependencies import Now, Session

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


__all__ = ["Base", "Now", "Session", "Timestamps", "metadata"]
