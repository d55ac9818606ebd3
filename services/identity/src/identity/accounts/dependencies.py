"""The member a tenant request acts as: read fresh from the database, so a role changed or a user
deactivated since the token was issued counts now rather than at the next refresh."""

from typing import Annotated

from fastapi import Depends

from identity.db import Session
from identity.users import service as users
from identity.users.models import User
from shared.auth import TenantClaims


async def current_member(claims: TenantClaims, session: Session) -> User:
    return await users.token_holder(session=session, user_id=claims.user_id)


CurrentMember = Annotated[User, Depends(current_member)]
