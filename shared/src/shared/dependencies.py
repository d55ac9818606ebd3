"""Typed FastAPI dependencies every service uses: the request's transaction and the injected clock."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus.outbox import Outbox


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A request-scoped transaction: committed when the handler returns, rolled back on error."""
    async with request.app.state.runtime.factory() as session, session.begin():
        yield session


async def request_now(request: Request) -> datetime:
    """The injected clock's time for this request."""
    moment: datetime = request.app.state.runtime.clock.now()
    return moment


# scope="function": the commit happens before the response is sent, so a client told "201" can rely
# on the row being there, and a failed commit becomes an error answer rather than a false success.
Session = Annotated[AsyncSession, Depends(request_session, scope="function")]
Now = Annotated[datetime, Depends(request_now)]


async def request_outbox(request: Request) -> Outbox:
    """The service's outbox: events written through it commit with the request's transaction."""
    outbox: Outbox = request.app.state.runtime.outbox
    return outbox


EventOutbox = Annotated[Outbox, Depends(request_outbox)]
