from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from identity.api_types import Email, IsoTime

Plan = Literal["free", "pro", "starter", "enterprise"]


class InviteCodeCreate(BaseModel):
    """api.md §3.6 `POST /api/v1/invites`."""

    assigned_plan: Plan = "free"
    trial_duration_days: Annotated[int, Field(ge=1, le=90)] | None = None
    email: Email | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _no_trial_on_free(self) -> Self:
        if self.trial_duration_days is not None and self.assigned_plan == "free":
            raise ValueError("trial_duration_days cannot be set for the free plan")
        return self


class InviteCodeResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    code: str
    assigned_plan: str
    trial_duration_days: int | None
    email: str | None
    note: str | None
    expires_at: IsoTime | None
    created_at: IsoTime
    created_by_id: UUID | None
    used_by: UUID | None
    used_at: IsoTime | None
    is_active: bool
