from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from identity.api_types import Email, IsoTime

MAX_TESTER_EMAILS = 1000


def _distinct_sorted(emails: list[str]) -> list[str]:
    return sorted(set(emails))


class RuntimeSettingsResponse(BaseModel):
    """api.md §3.7."""

    self_serve_enabled: bool
    require_invite_code: bool
    internal_tester_emails: list[str]
    email_verification_enabled: bool
    updated_at: IsoTime | None
    updated_by: UUID | None


class RuntimeSettingsPatch(BaseModel):
    """Any subset of the four settings; a field sent as null or an unknown field is a 422."""

    model_config = ConfigDict(extra="forbid")

    self_serve_enabled: StrictBool = False
    require_invite_code: StrictBool = False
    internal_tester_emails: Annotated[
        list[Email], Field(max_length=MAX_TESTER_EMAILS), AfterValidator(_distinct_sorted)
    ] = Field(default_factory=list)
    email_verification_enabled: StrictBool = False

    def changes(self) -> dict[str, object]:
        """Only the fields the request actually sent (the defaults above are never applied)."""
        return self.model_dump(include=self.model_fields_set)


class PublicConfig(BaseModel):
    """api.md §3.3."""

    self_serve_enabled: bool
    oauth_providers: list[str]
