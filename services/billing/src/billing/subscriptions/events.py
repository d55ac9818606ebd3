"""Handlers of the identity events that start subscriptions, and the builder of
`billing.subscription.changed`."""

import logging
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from stripe import StripeClient

from billing.subscriptions import service, state
from billing.subscriptions.models import BillingAccount, Subscription
from shared.bus.consumer import Handler
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.events import AccountCreated, Envelope, OwnershipTransferred, SubscriptionChanged

log = logging.getLogger(__name__)

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


def ownership_handlers(*, stripe_client: StripeClient | None) -> dict[str, Handler[Any]]:
    """`identity.account.ownership_transferred`: the new owner becomes the billing contact, here and
    (best effort, when Stripe is configured) on the account's Stripe customer."""

    async def on_ownership_transferred(session: AsyncSession, event: Envelope, data: OwnershipTransferred) -> None:
        email = data.new_owner_email.strip().lower()
        stmt = insert(BillingAccount).values(account_id=data.account_id, email=email)
        customer_id = await session.scalar(
            stmt.on_conflict_do_update(
                index_elements=[BillingAccount.account_id],
                set_={"email": stmt.excluded.email, "updated_at": func.now()},
            ).returning(BillingAccount.stripe_customer_id)
        )
        if customer_id is None or stripe_client is None:
            return
        try:
            await stripe_client.v1.customers.update_async(customer_id, {"email": email})
        except Exception as exc:  # the local contact is what matters; Stripe catches up later
            log.warning(
                "stripe customer email not updated",
                extra={"account_id": str(data.account_id), "error": type(exc).__name__},
            )

    return {"identity.account.ownership_transferred": Handler(OwnershipTransferred, on_ownership_transferred)}
