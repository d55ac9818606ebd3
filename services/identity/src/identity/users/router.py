from uuid import UUID

from fastapi import APIRouter

from identity.db import Session
from identity.deps import Services
from identity.users import service
from identity.users.schemas import InternalUser, UserResponse, UserUpdate
from shared.auth import CurrentClaims, InternalCaller

router = APIRouter(prefix="/api/v1/users", tags=["users"])
internal_router = APIRouter(prefix="/internal/users", tags=["internal"], dependencies=[InternalCaller])


@router.get("/me")
async def users_me(claims: CurrentClaims, session: Session) -> UserResponse:
    user = await service.token_holder(session=session, user_id=claims.user_id)
    return await service.to_response(session=session, user=user)


@router.patch("/me")
async def update_users_me(
    body: UserUpdate, claims: CurrentClaims, session: Session, services: Services
) -> UserResponse:
    user = await service.update_profile(session=session, user_id=claims.user_id, update=body, now=services.clock.now())
    return await service.to_response(session=session, user=user)


@internal_router.get("/{user_id}")
async def internal_user(user_id: UUID, session: Session) -> InternalUser:
    return await service.internal_view(session=session, user_id=user_id)
