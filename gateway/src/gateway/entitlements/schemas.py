"""The part of billing's entitlement snapshot (api.md §4.6) the gateway's guards read."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SnapshotSubscription(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: str
    plan: str
    current_period_end: datetime | None = None


class Snapshot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subscription: SnapshotSubscription
    features: dict[str, bool] = {}


class Reservation(BaseModel):
    """Billing's answer to a usage reservation: allowed with an id, or refused with the limit."""

    model_config = ConfigDict(extra="ignore")

    allowed: bool
    reservation_id: str | None = None
    limit: str | None = None
    used: int | None = None
    max: int | None = None
    plan: str | None = None
