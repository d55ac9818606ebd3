from uuid import UUID

from fastapi import APIRouter

from identity.accounts import members, service
from identity.accounts.dependencies import CurrentMember
from identity.accounts.schemas import (
    AccountResponse,
    ChangeMemberRoleRequest,
    InternalAccount,
    MemberResponse,
    RenameAccountRequest,
    TransferOwnershipRequest,
)
from identity.db import Session
from identity.deps import Services
from shared.auth import InternalCaller

router = APIRouter(prefix="/api/v1/accounts/me", tags=["accounts"])
internal_router = APIRouter(prefix="/internal/accounts", tags=["internal"], dependencies=[InternalCaller])


@router.get("")
async def my_account(member: CurrentMember, session: Session) -> AccountResponse:
    account = await service.get_or_raise(session=session, account_id=member.account_id)
    return service.to_response(account)


@router.patch("")
async def rename_my_account(
    body: RenameAccountRequest, member: CurrentMember, session: Session, services: Services
) -> AccountResponse:
    account = await service.rename(
        session=session, outbox=services.outbox, actor=member, name=body.name, now=services.clock.now()
    )
    return service.to_response(account)


@router.get("/members")
async def my_members(member: CurrentMember, session: Session) -> list[MemberResponse]:
    found = await members.list_members(session=session, account_id=member.account_id)
    return [members.to_response(user) for user in found]


@router.patch("/members/{user_id}")
async def change_member_role(
    user_id: UUID, body: ChangeMemberRoleRequest, member: CurrentMember, session: Session, services: Services
) -> MemberResponse:
    changed = await members.change_role(
        session=session, actor=member, user_id=user_id, account_role=body.account_role, now=services.clock.now()
    )
    return members.to_response(changed)


@router.post("/transfer-ownership")
async def transfer_ownership(
    body: TransferOwnershipRequest, member: CurrentMember, session: Session, services: Services
) -> AccountResponse:
    account = await members.transfer_ownership(
        session=session,
        outbox=services.outbox,
        actor=member,
        new_owner_id=body.new_owner_id,
        password=body.password,
        now=services.clock.now(),
    )
    return service.to_response(account)


@internal_router.get("/{account_id}")
async def internal_account(account_id: UUID, session: Session) -> InternalAccount:
    return await service.internal_view(session=session, account_id=account_id)
