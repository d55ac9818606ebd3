from fastapi import APIRouter

from billing.catalog import service
from billing.catalog.schemas import PlanComparison, PublicPlan
from billing.db import Session

router = APIRouter(prefix="/api/v1/plans", tags=["catalog"])


@router.get("/public")
async def list_public_plans(session: Session) -> list[PublicPlan]:
    return await service.public_plans(session=session)


@router.get("/public/comparison")
async def compare_public_plans(session: Session) -> PlanComparison:
    return await service.public_plan_comparison(session=session)
