from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, StrictBool

from identity.accounts.schemas import AccountResponse, MemberResponse
from identity.users.schemas import UserResponse

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]


class UserPage(BaseModel):
    items: list[UserResponse]
    total: int


class AdminUserPatch(BaseModel):
    """`PATCH /api/v1/admin/users/{user_id}`: a field left out (or null) stays as it is."""

    model_config = ConfigDict(extra="forbid")

    is_active: StrictBool | None = None
    is_super_admin: StrictBool | None = None


class AdminAccountItem(AccountResponse):
    owner_email: str | None
    member_count: int


class AccountPage(BaseModel):
    items: list[AdminAccountItem]
    total: int


class AdminAccountDetail(AccountResponse):
    members: list[MemberResponse]
