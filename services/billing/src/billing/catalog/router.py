from fastapi import APIRouter

from billing.catalog import service
from billing.catalog.schemas import PublicPlan
from billing.db import Session

router = APIRouter(prefix="/api/v1/plans", tags=["catalog"])


@router.get("/public")
async def list_public_plans(session: Session) -> list[PublicPlan]:
    return await service.public_plans(session=session)
