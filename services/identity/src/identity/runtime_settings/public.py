"""What the signup page may know before anyone signs in: the self-serve switch as this caller sees it,
and which OAuth providers are configured."""

from sqlalchemy.ext.asyncio import AsyncSession

from identity.oauth.providers import configured_providers
from identity.runtime_settings import service
from identity.runtime_settings.schemas import PublicConfig
from identity.settings import IdentitySettings
from identity.users.models import User
from shared.auth import AccessClaims


async def public_config(
    *, session: AsyncSession, settings: IdentitySettings, claims: AccessClaims | None
) -> PublicConfig:
    """A caller with a valid token whose email is on the tester allowlist sees self-serve on."""
    values = await service.current(session=session, settings=settings)
    self_serve = values.self_serve_enabled
    if not self_serve and claims is not None:
        user = await session.get(User, claims.user_id)
        self_serve = user is not None and user.is_active and user.email.lower() in values.internal_tester_emails
    return PublicConfig(self_serve_enabled=self_serve, oauth_providers=configured_providers(settings))
