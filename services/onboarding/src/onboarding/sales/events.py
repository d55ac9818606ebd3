"""Builder of the event a sales lead publishes (events.md §3, onboarding)."""

from onboarding.sales.models import SalesLead
from shared.events import SalesLeadCreated


def lead_created(lead: SalesLead, *, recipient_email: str) -> SalesLeadCreated:
    return SalesLeadCreated(
        lead_id=lead.id,
        email=lead.email,
        name=lead.name,
        company=lead.company,
        team_size=lead.team_size,
        message=lead.message,
        source=lead.source,
        posthog_distinct_id=lead.posthog_distinct_id,
        recipient_email=recipient_email,
        created_at=lead.created_at,
    )
