from uuid import UUID

from fastapi import APIRouter

from identity.accounts import members as account_members
from identity.accounts import service as accounts
from identity.admin import service
from identity.admin.deps import AdminClaims
from identity.admin.schemas import (
    AccountPage,
    AdminAccountDetail,
    AdminAccountItem,
    AdminUserPatch,
    Limit,
    Offset,
    UserPage,
)
from identity.db import Session
from identity.deps import Services
from identity.users import service as users
from identity.users.schemas import UserResponse

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get("/users")
async def list_users(
    _: AdminClaims,
    session: Session,
    email: str | None = None,
    account_id: UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> UserPage:
    found, total = await service.list_users(
        session=session, email=email, account_id=account_id, limit=limit, offset=offset
    )
    return UserPage(items=[await users.to_response(session=session, user=u) for u in found], total=total)


@router.get("/users/{user_id}")
async def get_user(user_id: UUID, _: AdminClaims, session: Session) -> UserResponse:
    user = await users.get_or_raise(session=session, user_id=user_id)
    return await users.to_response(session=session, user=user)


@router.patch("/users/{user_id}")
async def update_user(
    user_id: UUID, body: AdminUserPatch, admin: AdminClaims, session: Session, services: Services
) -> UserResponse:
    user = await service.update_user(
        session=session,
        user_id=user_id,
        actor_id=admin.user_id,
        is_active=body.is_active,
        is_super_admin=body.is_super_admin,
        now=services.clock.now(),
    )
    return await users.to_response(session=session, user=user)


@router.get("/accounts")
async def list_accounts(
    _: AdminClaims, session: Session, q: str | None = None, limit: Limit = 50, offset: Offset = 0
) -> AccountPage:
    found, total = await service.list_accounts(session=session, q=q, limit=limit, offset=offset)
    items = [
        AdminAccountItem(
            **accounts.to_response(s.account).model_dump(), owner_email=s.owner_email, member_count=s.member_count
        )
        for s in found
    ]
    return AccountPage(items=items, total=total)


@router.get("/accounts/{account_id}")
async def get_account(account_id: UUID, _: AdminClaims, session: Session) -> AdminAccountDetail:
    account, members = await service.account_with_members(session=session, account_id=account_id)
    return AdminAccountDetail(
        **accounts.to_response(account).model_dump(), members=[account_members.to_response(m) for m in members]
    )
