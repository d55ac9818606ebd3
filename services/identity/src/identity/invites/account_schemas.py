"""Request and response models of the account invite routes (api.md §3.5)."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from identity.api_types import Email, IsoTime

InviteRole = Literal["admin", "engineer", "viewer"]
InviteStatus = Literal["pending", "accepted", "revoked", "expired"]

DEFAULT_EXPIRES_IN_DAYS = 7


class CreateInviteRequest(BaseModel):
    email: Email
    role: InviteRole = "engineer"
    expires_in_days: int = Field(default=DEFAULT_EXPIRES_IN_DAYS, ge=1, le=90)


class BulkInviteRequest(BaseModel):
    invites: list[CreateInviteRequest] = Field(min_length=1, max_length=10)


class AccountInviteResponse(BaseModel):
    """api.md "Shared response objects"; `status` is derived at answer time."""

    id: UUID
    account_id: UUID
    invited_by_id: UUID
    email: str
    code: str
    role: str
    expires_at: IsoTime | None
    created_at: IsoTime
    used_at: IsoTime | None
    accepted_by_id: UUID | None
    revoked_at: IsoTime | None
    email_sent_at: IsoTime | None
    status: InviteStatus


class BulkInviteFailure(BaseModel):
    email: str
    error: Literal["already_member", "duplicate_in_request"]


class BulkInviteResponse(BaseModel):
    created: list[AccountInviteResponse]
    failed: list[BulkInviteFailure]


class InviteLookupResponse(BaseModel):
    account_name: str
    inviter_name: str
    invited_email: str
    role: str
