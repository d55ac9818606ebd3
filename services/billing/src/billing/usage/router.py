from uuid import UUID

from fastapi import APIRouter, Response

from billing.db import Now, Session
from billing.usage import reservations
from billing.usage.schemas import ReserveAllowed, ReserveRefused, ReserveRequest
from shared.auth import InternalCaller

router = APIRouter(prefix="/internal/usage", tags=["internal"], dependencies=[InternalCaller])


@router.post("/{account_id}/reserve")
async def reserve(
    account_id: UUID, body: ReserveRequest, session: Session, now: Now
) -> ReserveAllowed | ReserveRefused:
    return await reservations.reserve(
        session=session, account_id=account_id, metric=body.metric, amount=body.amount, now=now
    )


@router.post("/reservations/{reservation_id}/release", status_code=204)
async def release(reservation_id: UUID, session: Session, now: Now) -> Response:
    await reservations.release(session=session, reservation_id=reservation_id, now=now)
    return Response(status_code=204)
