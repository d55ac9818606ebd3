from fastapi import APIRouter, status

from onboarding.db import Now, Session
from onboarding.deps import EventOutbox, Settings
from onboarding.sales import service
from onboarding.sales.schemas import SalesLeadReceived, SalesLeadRequest

router = APIRouter(prefix="/api/v1/sales-leads", tags=["sales"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_sales_lead(
    body: SalesLeadRequest, session: Session, outbox: EventOutbox, settings: Settings, now: Now
) -> SalesLeadReceived:
    lead = await service.record_lead(
        session=session, outbox=outbox, lead=body, recipient_email=settings.sales_lead_recipient_email, now=now
    )
    return SalesLeadReceived(id=lead.id)
