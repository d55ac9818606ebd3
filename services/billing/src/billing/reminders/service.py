"""Which trials are due a reminder, and sending each reminder once (api.md §4.7)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, case, exists, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.subscriptions.models import BillingAccount, Subscription, TrialReminder
from shared.bus.outbox import Outbox
from shared.events import TrialEnding

REMINDER_DAYS = (4, 1)
UPGRADE_PATH = "/account/billing/select-plan"


@dataclass(frozen=True)
class SentReminder:
    account_id: UUID
    days_left: int
    current_period_end: datetime


async def send_due_reminders(
    *, session: AsyncSession, outbox: Outbox, now: datetime, frontend_url: str, limit: int
) -> list[SentReminder]:
    """Record up to `limit` due reminders and write their `billing.trial.ending` events in the
    session's transaction. A trial is due the 4-day reminder once its end is at most 4 days away and
    the 1-day one at most 1 day away (only the 1-day one when both are); local trials only (Stripe
    sends its own). The insert ignores rows another run already wrote, so each goes out once."""
    end = Subscription.current_period_end
    days_left = case((end <= now + timedelta(days=1), literal(1)), else_=literal(4))
    already_sent = exists().where(
        and_(
            TrialReminder.account_id == Subscription.account_id,
            TrialReminder.days_left == days_left,
            TrialReminder.current_period_end == end,
        )
    )
    due = (
        select(Subscription.account_id, days_left, end, literal(now))
        .where(
            Subscription.status == "trialing",
            Subscription.stripe_subscription_id.is_(None),
            end > now,
            end <= now + timedelta(days=max(REMINDER_DAYS)),
            ~already_sent,
        )
        .order_by(end)
        .limit(limit)
    )
    inserted = await session.execute(
        insert(TrialReminder)
        .from_select(["account_id", "days_left", "current_period_end", "sent_at"], due)
        .on_conflict_do_nothing()
        .returning(TrialReminder.account_id, TrialReminder.days_left, TrialReminder.current_period_end)
    )
    sent = [SentReminder(row.account_id, row.days_left, row.current_period_end) for row in inserted]
    if not sent:
        return sent
    contacts = await session.execute(
        select(Subscription.account_id, Subscription.plan, BillingAccount.email)
        .outerjoin(BillingAccount, BillingAccount.account_id == Subscription.account_id)
        .where(Subscription.account_id.in_([reminder.account_id for reminder in sent]))
    )
    plan_and_email = {row.account_id: (row.plan, row.email) for row in contacts}
    upgrade_url = f"{frontend_url.rstrip('/')}{UPGRADE_PATH}"
    for reminder in sent:
        plan, email = plan_and_email[reminder.account_id]
        await outbox.add(
            session,
            TrialEnding(
                account_id=reminder.account_id,
                plan=plan,
                current_period_end=reminder.current_period_end,
                days_left=reminder.days_left,
                billing_email=email,
                upgrade_url=upgrade_url,
            ),
        )
    return sent
