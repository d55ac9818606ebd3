from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from identity.api_types import IsoTime

AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class InternalAccount(BaseModel):
    """`GET /internal/accounts/{account_id}` (api.md §3.9)."""

    id: UUID
    name: str
    display_code: str
    owner_id: UUID | None
    owner_email: str | None
    member_count: int
    created_at: IsoTime


class AccountResponse(BaseModel):
    """api.md "Shared response objects"."""

    id: UUID
    name: str
    display_code: str
    owner_id: UUID | None
    created_at: IsoTime
    updated_at: IsoTime


class MemberResponse(BaseModel):
    """api.md "Shared response objects"."""

    id: UUID
    email: str
    name: str
    account_role: str
    is_active: bool
    email_verified_at: IsoTime | None
    created_at: IsoTime


class RenameAccountRequest(BaseModel):
    name: AccountName


class ChangeMemberRoleRequest(BaseModel):
    # "owner" parses so that it can be refused with api.md's 400 instead of a 422
    account_role: Literal["owner", "admin", "engineer", "viewer"]


class TransferOwnershipRequest(BaseModel):
    new_owner_id: UUID
    password: str | None = Field(default=None, max_length=128)
