"""Users: lookups and the shapes other parts of the system see."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.users.errors import InactiveUser, UserNotFound
from identity.users.models import OAuthIdentity, User
from identity.users.schemas import InternalUser, UserResponse, UserUpdate
from shared.auth import InvalidCredentials


async def find_by_email(*, session: AsyncSession, email: str) -> User | None:
    found: User | None = await session.scalar(select(User).where(User.email == email.strip().lower()))
    return found


async def email_taken(*, session: AsyncSession, email: str) -> bool:
    return await session.scalar(select(User.id).where(User.email == email)) is not None


async def oauth_providers(*, session: AsyncSession, user_id: UUID) -> list[str]:
    rows = await session.scalars(select(OAuthIdentity.provider).where(OAuthIdentity.user_id == user_id).distinct())
    return sorted(rows.all())


async def get_or_raise(*, session: AsyncSession, user_id: UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound()
    return user


async def token_holder(*, session: AsyncSession, user_id: UUID) -> User:
    """The user a valid token names: 401 when deleted since it was issued, 403 when deactivated."""
    user = await session.get(User, user_id)
    if user is None:
        raise InvalidCredentials()
    if not user.is_active:
        raise InactiveUser()
    return user


async def update_profile(*, session: AsyncSession, user_id: UUID, update: UserUpdate, now: datetime) -> User:
    """Apply the fields present in `update` to the token's user; `updated_at` moves only on a real change."""
    user = await token_holder(session=session, user_id=user_id)
    changed = False
    for field, value in update.changes().items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    if changed:
        user.updated_at = now
        await session.flush()
    return user


async def to_response(*, session: AsyncSession, user: User) -> UserResponse:
    return UserResponse(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        is_super_admin=user.is_super_admin,
        is_active=user.is_active,
        account_id=user.account_id,
        account_role=user.account_role,
        timezone=user.timezone,
        avatar_url=user.avatar_url,
        email_verified_at=user.email_verified_at,
        created_at=user.created_at,
        updated_at=user.updated_at,
        onboarding_step_completed=user.onboarding_step_completed,
        onboarding_dismissed=user.onboarding_dismissed,
        has_password=user.password_hash is not None,
        oauth_providers=await oauth_providers(session=session, user_id=user.id),
    )


async def internal_view(*, session: AsyncSession, user_id: UUID) -> InternalUser:
    user = await get_or_raise(session=session, user_id=user_id)
    return InternalUser(
        id=user.id,
        email=user.email,
        name=user.name,
        account_id=user.account_id,
        account_role=user.account_role,
        is_active=user.is_active,
        is_super_admin=user.is_super_admin,
        email_verified_at=user.email_verified_at,
        created_at=user.created_at,
    )
