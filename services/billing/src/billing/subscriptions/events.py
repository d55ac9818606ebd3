"""Handlers of the identity events that start subscriptions, and the builder of
`billing.subscription.changed`."""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from billing.subscriptions import service, state
from billing.subscriptions.models import Subscription
from shared.bus.consumer import Handler
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.events import AccountCreated, Envelope, SubscriptionChanged

ChangeReason = Literal["trial_started", "invite_plan", "stripe_webhook", "admin", "complimentary_backfill"]


def subscription_changed(
    sub: Subscription,
    *,
    previous_plan: str | None,
    previous_status: str | None,
    billing_email: str | None,
    reason: ChangeReason,
    changed_at: datetime,
    notify: bool = True,
) -> SubscriptionChanged:
    """The full snapshot of `sub`, its derived states computed at `changed_at`."""
    return SubscriptionChanged(
        account_id=sub.account_id,
        subscription_id=sub.id,
        plan=sub.plan,
        status=sub.status,
        previous_plan=previous_plan,
        previous_status=previous_status,
        current_period_start=sub.current_period_start,
        current_period_end=sub.current_period_end,
        cancel_at_period_end=sub.cancel_at_period_end,
        seat_limit=sub.seat_limit,
        stripe_subscription_id=sub.stripe_subscription_id,
        has_pro_entitlement=state.has_pro_entitlement(sub, changed_at),
        is_paid=state.is_paid(sub),
        billing_email=billing_email,
        reason=reason,
        notify=notify,
        changed_at=changed_at,
    )


def handlers(*, outbox: Outbox, clock: Clock, trial_days: int) -> dict[str, Handler[Any]]:
    async def on_account_created(session: AsyncSession, event: Envelope, data: AccountCreated) -> None:
        """Start the account's trial (or its invite's plan); a replay finds the row and does nothing."""
        await service.record_billing_account(session=session, account_id=data.account_id, email=data.owner_email)
        terms = service.initial_terms(
            created_at=data.created_at, platform_invite=data.platform_invite, trial_days=trial_days
        )
        sub = await service.create_first(session=session, account_id=data.account_id, terms=terms)
        if sub is None:
            return
        await outbox.add(
            session,
            subscription_changed(
                sub,
                previous_plan=None,
                previous_status=None,
                billing_email=data.owner_email.strip().lower(),
                reason=terms.reason,
                changed_at=clock.now(),
            ),
        )

    return {"identity.account.created": Handler(AccountCreated, on_account_created)}
