from fastapi import APIRouter

from identity.db import Session
from identity.deps import Services
from identity.registration import service
from identity.registration.schemas import RegisterRequest
from identity.users import service as users
from identity.users.schemas import UserResponse

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/register", status_code=201)
async def register(body: RegisterRequest, session: Session, services: Services) -> UserResponse:
    user = await service.register(
        session=session,
        outbox=services.outbox,
        settings=services.settings,
        now=services.clock.now(),
        request=body,
    )
    return await users.to_response(session=session, user=user)
