"""The service's table metadata (naming convention of data-model.md) and request dependencies."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import make_metadata

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def updated_at_column() -> Mapped[datetime]:
    """`updated_at`: now() on insert and on every ORM update."""
    return mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """A request-scoped transaction: committed when the handler returns, rolled back on error."""
    async with request.app.state.runtime.factory() as s, s.begin():
        yield s


def now(request: Request) -> datetime:
    """The injected clock's time for this request (derived subscription states depend on it)."""
    moment: datetime = request.app.state.runtime.clock.now()
    return moment


Session = Annotated[AsyncSession, Depends(session)]
Now = Annotated[datetime, Depends(now)]
