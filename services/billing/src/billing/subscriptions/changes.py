"""Every change to an existing subscription goes through `apply_change`: it writes the fields and, when
something actually changed, publishes `billing.subscription.changed` in the same transaction."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.subscriptions.events import ChangeReason, subscription_changed
from billing.subscriptions.models import BillingAccount, Subscription
from shared.bus.outbox import Outbox

CHANGEABLE = frozenset(
    {
        "plan",
        "status",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "seat_limit",
        "stripe_subscription_id",
        "stripe_price_id",
        "last_stripe_event_at",
    }
)
# fields whose change alone is bookkeeping, not news for other services
SILENT = frozenset({"last_stripe_event_at", "stripe_price_id"})


@dataclass(frozen=True)
class Change:
    subscription: Subscription
    changed_fields: frozenset[str]

    @property
    def announced(self) -> bool:
        return bool(self.changed_fields - SILENT)


async def billing_email(*, session: AsyncSession, account_id: Any) -> str | None:
    email: str | None = await session.scalar(
        select(BillingAccount.email).where(BillingAccount.account_id == account_id)
    )
    return email


async def apply_change(
    *,
    session: AsyncSession,
    outbox: Outbox,
    subscription: Subscription,
    now: datetime,
    reason: ChangeReason,
    notify: bool = True,
    **fields: Any,
) -> Change:
    """Set `fields` on `subscription` (a row loaded in `session`, ideally FOR UPDATE) and announce the new
    snapshot when a field other than bookkeeping changed."""
    unknown = set(fields) - CHANGEABLE
    if unknown:
        raise ValueError(f"not changeable here: {sorted(unknown)}")
    previous_plan, previous_status = subscription.plan, subscription.status
    changed = frozenset(name for name, value in fields.items() if getattr(subscription, name) != value)
    for name in changed:
        setattr(subscription, name, fields[name])
    change = Change(subscription, changed)
    if change.announced:
        subscription.updated_at = now
        await session.flush()
        await outbox.add(
            session,
            subscription_changed(
                subscription,
                previous_plan=previous_plan,
                previous_status=previous_status,
                billing_email=await billing_email(session=session, account_id=subscription.account_id),
                reason=reason,
                changed_at=now,
                notify=notify,
            ),
        )
    elif changed:
        await session.flush()
    return change
