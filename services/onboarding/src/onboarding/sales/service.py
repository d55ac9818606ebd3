"""Recording a sales lead: the row and its announcement commit together; the email follows later."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from onboarding.sales import events
from onboarding.sales.models import SalesLead
from onboarding.sales.schemas import SalesLeadRequest
from shared.bus.outbox import Outbox


async def record_lead(
    *, session: AsyncSession, outbox: Outbox, lead: SalesLeadRequest, recipient_email: str, now: datetime
) -> SalesLead:
    """Store the lead with status `new` and publish `sales.lead.created` to `recipient_email`'s inbox."""
    row = SalesLead(
        id=uuid.uuid4(),
        email=lead.email,
        name=lead.name,
        company=lead.company,
        team_size=lead.team_size,
        message=lead.message,
        source=lead.source,
        posthog_distinct_id=lead.posthog_distinct_id,
        status="new",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await outbox.add(session, events.lead_created(row, recipient_email=recipient_email))
    return row
