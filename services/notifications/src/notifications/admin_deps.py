"""The `admin` policy inside notifications: the caller's token says super admin (identity keeps that
claim fresh; the gateway checks it too)."""

from typing import Annotated

from fastapi import Depends

from shared.auth import AccessClaims, CurrentClaims
from shared.errors import ApiError


class NotEnoughPermissions(ApiError):
    status_code = 403
    detail = "Not enough permissions"


async def admin_claims(claims: CurrentClaims) -> AccessClaims:
    """Claims of a super admin, else 403 `Not enough permissions`."""
    if not claims.is_super_admin:
        raise NotEnoughPermissions()
    return claims


AdminClaims = Annotated[AccessClaims, Depends(admin_claims)]
