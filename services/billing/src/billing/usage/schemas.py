from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from shared.api_types import IsoTime


class Usage(BaseModel):
    trees: int
    sessions_this_month: int
    ai_builds_this_month: int
    users: int
    as_of: IsoTime


class ReserveRequest(BaseModel):
    metric: Literal["trees", "sessions_this_month"]
    amount: int = Field(default=1, ge=1, le=1000)


class ReserveAllowed(BaseModel):
    allowed: Literal[True] = True
    reservation_id: UUID
    used: int
    max: int | None


class ReserveRefused(BaseModel):
    allowed: Literal[False] = False
    limit: Literal["max_trees", "max_sessions_per_month"]
    used: int
    max: int
    plan: str
