"""Events of the product upstream (not built here; end-to-end tests publish them)."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from shared.events.envelope import EventData

Activity = Literal[
    "flow_created",
    "flow_deleted",
    "session_run",
    "session_exported",
    "psa_connected",
    "psa_disconnected",
    "ai_assistant_used",
    "ai_build",
]


class ActivityTotals(EventData):
    trees: int
    sessions_this_month: int
    ai_builds_this_month: int
    period_start: date


class ActivityRecorded(EventData):
    account_id: UUID
    user_id: UUID | None = None
    activity: Activity
    resource_id: str | None = None
    occurred_at: datetime
    totals: ActivityTotals | None = None
