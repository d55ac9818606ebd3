"""Events identity publishes."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from shared.events.envelope import EventData

SignupMethod = Literal["password", "google", "microsoft"]
AccountRole = Literal["owner", "admin", "engineer", "viewer"]


class PlatformInvite(EventData):
    invite_code_id: UUID
    assigned_plan: str
    trial_duration_days: int | None = None


class AccountCreated(EventData):
    account_id: UUID
    name: str
    display_code: str
    owner_id: UUID
    owner_email: str
    owner_name: str
    signup_method: SignupMethod
    created_at: datetime
    platform_invite: PlatformInvite | None = None


class UserRegistered(EventData):
    user_id: UUID
    account_id: UUID
    email: str
    name: str
    account_role: AccountRole
    method: SignupMethod
    email_verified_at: datetime | None = None
    created_at: datetime
    joined_existing_account: bool = False
    account_invite_id: UUID | None = None


class EmailVerificationRequested(EventData):
    user_id: UUID
    email: str
    name: str
    verification_url: str
    expires_at: datetime
    reason: Literal["register", "resend"]


class UserEmailVerified(EventData):
    user_id: UUID
    account_id: UUID
    email: str
    email_verified_at: datetime
    method: Literal["link", "password_reset", "oauth_link"]


class PasswordResetRequested(EventData):
    user_id: UUID
    email: str
    name: str
    reset_url: str
    expires_at: datetime


class InviteCreated(EventData):
    invite_id: UUID
    account_id: UUID
    account_name: str
    invited_by_id: UUID
    inviter_name: str
    email: str
    role: str
    accept_url: str
    expires_at: datetime | None = None
    via: Literal["single", "bulk"] = "single"


class InviteResent(InviteCreated):
    previous_invite_id: UUID


class InviteRevoked(EventData):
    invite_id: UUID
    account_id: UUID
    email: str
    revoked_at: datetime
    revoked_by_id: UUID | None = None
    reason: Literal["revoked", "resent"]


class InviteAccepted(EventData):
    invite_id: UUID
    account_id: UUID
    user_id: UUID
    email: str
    role: str
    accepted_at: datetime
    method: SignupMethod


class InviteCodeCreated(EventData):
    invite_code_id: UUID
    code: str
    email: str | None = None
    assigned_plan: str
    trial_duration_days: int | None = None
    expires_at: datetime | None = None
    register_url: str


class AccountRenamed(EventData):
    account_id: UUID
    name: str
    previous_name: str
    renamed_by: UUID | None = None
    source: Literal["account_settings", "wizard", "admin"]


class OwnershipTransferred(EventData):
    account_id: UUID
    previous_owner_id: UUID
    new_owner_id: UUID
    new_owner_email: str


class SettingsChanged(EventData):
    changed: dict[str, dict[str, Any]]
    settings: dict[str, Any]
    changed_by: UUID | None = None
