from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, StringConstraints

from shared.api_types import Email


def _blank_is_none(value: str | None) -> str | None:
    return value or None


# trimmed; an optional text that is empty after trimming counts as absent
RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
TeamSize = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None, AfterValidator(_blank_is_none)
]
Message = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None, AfterValidator(_blank_is_none)
]
DistinctId = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None, AfterValidator(_blank_is_none)
]
LeadSource = Literal["pricing_page", "register_footer", "landing_page"]


class SalesLeadRequest(BaseModel):
    email: Email
    name: RequiredText
    company: RequiredText
    team_size: TeamSize = None
    message: Message = None
    source: LeadSource
    posthog_distinct_id: DistinctId = None


class SalesLeadReceived(BaseModel):
    id: UUID
    status: Literal["received"] = "received"
