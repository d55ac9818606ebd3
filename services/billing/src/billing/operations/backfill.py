"""`backfill-complimentary`: pilot accounts move to permanent complimentary Pro (forward-only)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.audit import service as audit
from billing.subscriptions.changes import apply_change
from billing.subscriptions.events import subscription_changed
from billing.subscriptions.models import BillingAccount, Subscription
from shared.bus.outbox import Outbox

REASON: Final[Literal["complimentary_backfill"]] = "complimentary_backfill"
# statuses a backfill leaves alone: ended customers, and accounts in Stripe's dunning window
KEPT_STATUSES = ("canceled", "past_due")
TARGET: dict[str, Any] = {
    "status": "complimentary",
    "plan": "pro",
    "current_period_start": None,
    "current_period_end": None,
}


@dataclass(frozen=True)
class BackfillCounts:
    updated: int
    inserted: int
    skipped_stripe_managed: int


def _terms(sub: Subscription) -> dict[str, Any]:
    """The fields a backfill sets, as JSON for the audit row."""
    start, end = sub.current_period_start, sub.current_period_end
    return {
        "status": sub.status,
        "plan": sub.plan,
        "current_period_start": start.isoformat() if start else None,
        "current_period_end": end.isoformat() if end else None,
    }


async def backfill_complimentary(
    *, session: AsyncSession, outbox: Outbox, now: datetime, notify: bool, dry_run: bool
) -> BackfillCounts:
    """Every local subscription not canceled or past due becomes complimentary Pro without a period,
    and every known account without a subscription gets one; each actual change is audited (the old
    terms live only there) and announced. Stripe-managed rows are counted, not touched. A second run
    changes nothing; `dry_run` counts without writing."""
    candidates = await session.scalars(
        select(Subscription)
        .where(Subscription.status.not_in(KEPT_STATUSES))
        .order_by(Subscription.account_id)
        .with_for_update()
    )
    updated = skipped = 0
    for sub in candidates.all():
        if sub.stripe_subscription_id is not None:
            skipped += 1
            continue
        if all(getattr(sub, field) == value for field, value in TARGET.items()):
            continue
        updated += 1
        if dry_run:
            continue
        before = _terms(sub)
        await apply_change(
            session=session, outbox=outbox, subscription=sub, now=now, reason=REASON, notify=notify, **TARGET
        )
        await audit.record(
            session=session,
            actor_id=None,
            action=REASON,
            entity_type="subscription",
            entity_id=sub.account_id,
            details={"before": before, "after": _terms(sub)},
        )

    orphans = (
        await session.scalars(
            select(BillingAccount.account_id)
            .where(~select(Subscription.id).where(Subscription.account_id == BillingAccount.account_id).exists())
            .order_by(BillingAccount.account_id)
        )
    ).all()
    inserted = 0
    for account_id in orphans:
        if dry_run:
            inserted += 1
            continue
        created = (
            await session.scalars(
                insert(Subscription)
                .values(account_id=account_id, cancel_at_period_end=False, **TARGET)
                .on_conflict_do_nothing(index_elements=[Subscription.account_id])
                .returning(Subscription)
            )
        ).first()
        if created is None:  # a subscription appeared meanwhile (e.g. the account's trial started)
            continue
        inserted += 1
        await audit.record(
            session=session,
            actor_id=None,
            action=REASON,
            entity_type="subscription",
            entity_id=account_id,
            details={"before": None, "after": _terms(created)},
        )
        await outbox.add(
            session,
            subscription_changed(
                created,
                previous_plan=None,
                previous_status=None,
                billing_email=await session.scalar(
                    select(BillingAccount.email).where(BillingAccount.account_id == account_id)
                ),
                reason=REASON,
                changed_at=now,
                notify=notify,
            ),
        )
    return BackfillCounts(updated=updated, inserted=inserted, skipped_stripe_managed=skipped)
