from uuid import UUID

from pydantic import BaseModel

from identity.api_types import IsoTime


class InternalAccount(BaseModel):
    """`GET /internal/accounts/{account_id}` (api.md §3.9)."""

    id: UUID
    name: str
    display_code: str
    owner_id: UUID | None
    owner_email: str | None
    member_count: int
    created_at: IsoTime
