from uuid import UUID

from pydantic import BaseModel

from identity.api_types import IsoTime


class UserResponse(BaseModel):
    """api.md "Shared response objects"."""

    id: UUID
    email: str
    name: str
    role: str
    is_super_admin: bool
    is_active: bool
    account_id: UUID
    account_role: str
    timezone: str
    avatar_url: str | None
    email_verified_at: IsoTime | None
    created_at: IsoTime
    updated_at: IsoTime
    onboarding_step_completed: int | None
    onboarding_dismissed: bool
    has_password: bool
    oauth_providers: list[str]


class InternalUser(BaseModel):
    """`GET /internal/users/{user_id}` (api.md §3.9)."""

    id: UUID
    email: str
    name: str
    account_id: UUID
    account_role: str
    is_active: bool
    is_super_admin: bool
    email_verified_at: IsoTime | None
    created_at: IsoTime
