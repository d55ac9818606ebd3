"""Identity's internal API as billing's admin routes use it: which account a user belongs to."""

import logging
from uuid import UUID

import httpx

from billing.admin.errors import IdentityUnavailable, UserNotFound

log = logging.getLogger(__name__)

IDENTITY_TIMEOUT_SECONDS = 5.0


class IdentityUsers:
    def __init__(self, *, base_url: str, token: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = http

    async def account_of(self, user_id: UUID) -> UUID | None:
        """The user's account id (None for a user outside any account); 404 `User not found` when identity
        does not know the user, 502 `identity_unavailable` when it cannot be asked."""
        try:
            response = await self.http.get(
                f"{self.base_url}/internal/users/{user_id}",
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=IDENTITY_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            log.warning("identity unreachable for user lookup: %s", type(exc).__name__)
            raise IdentityUnavailable() from None
        if response.status_code == 404:
            raise UserNotFound()
        if response.status_code != 200:
            log.warning("identity answered %s to a user lookup", response.status_code)
            raise IdentityUnavailable()
        try:
            account_id = response.json().get("account_id")
            return UUID(str(account_id)) if account_id else None
        except (ValueError, AttributeError):
            log.warning("identity answered a malformed user")
            raise IdentityUnavailable() from None
