from uuid import UUID

from fastapi import APIRouter, Response

from identity.admin.deps import AdminClaims
from identity.db import Session
from identity.deps import Services
from identity.platform_codes import service
from identity.platform_codes.schemas import InviteCodeCreate, InviteCodeResponse

router = APIRouter(prefix="/api/v1/invites", tags=["admin"])


@router.post("", status_code=201)
async def create_invite_code(
    body: InviteCodeCreate, admin: AdminClaims, session: Session, services: Services
) -> InviteCodeResponse:
    invite = await service.create(
        session=session,
        outbox=services.outbox,
        request=body,
        created_by_id=admin.user_id,
        frontend_url=services.settings.frontend_url,
        now=services.clock.now(),
    )
    return InviteCodeResponse.model_validate(invite)


@router.get("")
async def list_invite_codes(_: AdminClaims, session: Session, used: bool | None = None) -> list[InviteCodeResponse]:
    return [InviteCodeResponse.model_validate(i) for i in await service.list_codes(session=session, used=used)]


@router.delete("/{invite_id}", status_code=204)
async def deactivate_invite_code(invite_id: UUID, admin: AdminClaims, session: Session) -> Response:
    await service.deactivate(session=session, invite_id=invite_id, actor_id=admin.user_id)
    return Response(status_code=204)
