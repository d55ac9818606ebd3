from uuid import UUID

from pydantic import BaseModel

from billing.catalog.schemas import PlanLimitsSchema
from billing.subscriptions.schemas import SubscriptionState
from billing.usage.schemas import Usage
from shared.api_types import IsoTime


class SnapshotSubscription(SubscriptionState):
    updated_at: IsoTime


class EntitlementSnapshot(BaseModel):
    account_id: UUID
    subscription: SnapshotSubscription
    limits: PlanLimitsSchema
    features: dict[str, bool]
    usage: Usage
    generated_at: IsoTime
