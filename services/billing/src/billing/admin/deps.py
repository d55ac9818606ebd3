"""What admin routes receive besides the session and the clock: the outbox and identity's user lookup."""

from typing import Annotated

from fastapi import Depends, Request

from billing.admin.identity import IdentityUsers
from shared.bus.outbox import Outbox


async def runtime_outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.runtime.outbox
    return outbox


async def identity_users(request: Request) -> IdentityUsers:
    """Identity's internal user API at IDENTITY_INTERNAL_URL, over the runtime's pooled HTTP client."""
    runtime = request.app.state.runtime
    return IdentityUsers(
        base_url=runtime.settings.identity_internal_url,
        token=runtime.settings.internal_api_token,
        http=runtime.http,
    )


RuntimeOutbox = Annotated[Outbox, Depends(runtime_outbox)]
Identity = Annotated[IdentityUsers, Depends(identity_users)]
