"""The service's table metadata (naming convention of data-model.md) and session dependency."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from shared.db import make_metadata

metadata = make_metadata()


class Base(DeclarativeBase):
    metadata = metadata


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """A request-scoped transaction: committed when the handler returns, rolled back on error."""
    async with request.app.state.runtime.factory() as s, s.begin():
        yield s


Session = Annotated[AsyncSession, Depends(session)]
