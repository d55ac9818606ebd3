from uuid import UUID

from fastapi import APIRouter, Response

from identity.accounts.dependencies import CurrentMember
from identity.db import Session
from identity.deps import Services
from identity.invites import account_service as service
from identity.invites.account_schemas import (
    AccountInviteResponse,
    BulkInviteRequest,
    BulkInviteResponse,
    CreateInviteRequest,
    InviteLookupResponse,
)

router = APIRouter(prefix="/api/v1/accounts", tags=["account invites"])


@router.post("/me/invites", status_code=201)
async def create_invite(
    body: CreateInviteRequest, member: CurrentMember, session: Session, services: Services
) -> AccountInviteResponse:
    now = services.clock.now()
    invite = await service.create_invite(
        session=session,
        outbox=services.outbox,
        actor=member,
        request=body,
        frontend_url=services.settings.frontend_url,
        now=now,
    )
    return service.to_response(invite, now)


@router.post("/me/invites/bulk", status_code=201)
async def create_invites(
    body: BulkInviteRequest, member: CurrentMember, session: Session, services: Services
) -> BulkInviteResponse:
    now = services.clock.now()
    created, failed = await service.create_bulk(
        session=session,
        outbox=services.outbox,
        actor=member,
        requests=body.invites,
        frontend_url=services.settings.frontend_url,
        now=now,
    )
    return BulkInviteResponse(created=[service.to_response(i, now) for i in created], failed=failed)


@router.get("/me/invites")
async def list_invites(member: CurrentMember, session: Session, services: Services) -> list[AccountInviteResponse]:
    now = services.clock.now()
    return [service.to_response(i, now) for i in await service.list_invites(session=session, actor=member)]


@router.delete("/me/invites/{invite_id}", status_code=204)
async def revoke_invite(invite_id: UUID, member: CurrentMember, session: Session, services: Services) -> Response:
    await service.revoke_invite(
        session=session, outbox=services.outbox, actor=member, invite_id=invite_id, now=services.clock.now()
    )
    return Response(status_code=204)


@router.post("/me/invites/{invite_id}/resend")
async def resend_invite(
    invite_id: UUID, member: CurrentMember, session: Session, services: Services
) -> AccountInviteResponse:
    now = services.clock.now()
    invite = await service.resend_invite(
        session=session,
        outbox=services.outbox,
        actor=member,
        invite_id=invite_id,
        frontend_url=services.settings.frontend_url,
        now=now,
    )
    return service.to_response(invite, now)


@router.get("/invites/{code}/lookup")
async def lookup_invite(code: str, session: Session, services: Services) -> InviteLookupResponse:
    return await service.lookup(session=session, code=code, now=services.clock.now())
