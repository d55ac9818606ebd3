"""The `admin` policy inside identity: the token says super admin and the database still agrees."""

from typing import Annotated

from fastapi import Depends

from identity.db import Session
from identity.users.models import User
from shared.auth import AccessClaims, CurrentClaims, NotEnoughPermissions


async def admin_claims(claims: CurrentClaims, session: Session) -> AccessClaims:
    """Claims of a super admin, else 403. A token minted before a demotion or deactivation (it lives up
    to 15 minutes) is refused here, not only at the next refresh."""
    if not claims.is_super_admin:
        raise NotEnoughPermissions()
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_super_admin or not user.is_active:
        raise NotEnoughPermissions()
    return claims


AdminClaims = Annotated[AccessClaims, Depends(admin_claims)]
