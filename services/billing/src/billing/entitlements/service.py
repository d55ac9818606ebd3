"""The gateway's view of one account, assembled from the subscription, catalog and usage domains."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing.catalog import service as catalog
from billing.entitlements.errors import NoSubscriptionSnapshot
from billing.entitlements.schemas import EntitlementSnapshot, SnapshotSubscription
from billing.subscriptions import service as subscriptions
from billing.usage import service as usage


async def snapshot(*, session: AsyncSession, account_id: UUID, now: datetime) -> EntitlementSnapshot:
    sub = await subscriptions.get(session=session, account_id=account_id)
    if sub is None:
        raise NoSubscriptionSnapshot()
    return EntitlementSnapshot(
        account_id=account_id,
        subscription=SnapshotSubscription(updated_at=sub.updated_at, **subscriptions.state_of(sub, now).model_dump()),
        limits=await catalog.effective_limits(
            session=session, account_id=account_id, plan=sub.plan, seat_limit=sub.seat_limit
        ),
        features=await catalog.enabled_features(session=session, account_id=account_id, plan=sub.plan),
        usage=await usage.usage_of(session=session, account_id=account_id, now=now),
        generated_at=now,
    )
