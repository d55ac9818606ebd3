"""The billing dashboard: counts and MRR, each an aggregate query (cheap enough to poll every minute).

Definitions where api.md leaves room:
- `accounts`: accounts billing knows (`billing_accounts` rows); `by_status` / `by_plan` count subscriptions.
- `trials_started_last_7d`: subscriptions still `trialing` whose trial began (period start, else the
  row's creation) after now - 7 days; a trial converted within the week shows in the checkouts instead.
- `checkouts_completed_last_7d`: `checkout.session.completed` Stripe events applied after now - 7 days.
- `mrr_cents`: over paid subscriptions, the plan's monthly price times seats (seat limit, else 1), or its
  annual price / 12 when the subscription's Stripe price is the plan's annual one; rounded once at the end.
"""

from datetime import datetime, timedelta

from sqlalchemy import Numeric, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.admin.subscription_schemas import BillingMetrics
from billing.catalog.models import PlanBilling
from billing.subscriptions.models import BillingAccount, Subscription
from billing.subscriptions.state import PAID_PLANS
from billing.webhooks.models import StripeEvent

WINDOW = timedelta(days=7)


async def billing_metrics(*, session: AsyncSession, now: datetime) -> BillingMetrics:
    since = now - WINDOW
    is_paid = and_(Subscription.plan.in_(PAID_PLANS), Subscription.status.in_(("active", "past_due")))
    trialing = Subscription.status == "trialing"
    billed_yearly = and_(
        Subscription.stripe_price_id.is_not(None),
        Subscription.stripe_price_id == PlanBilling.stripe_annual_price_id,
        PlanBilling.annual_price_cents.is_not(None),
    )
    monthly_value = case(
        (billed_yearly, cast(PlanBilling.annual_price_cents, Numeric) / 12),
        else_=cast(func.coalesce(PlanBilling.monthly_price_cents, 0), Numeric),
    ) * func.coalesce(Subscription.seat_limit, 1)

    totals = (
        await session.execute(
            select(
                func.count().filter(is_paid),
                func.count().filter(trialing, Subscription.current_period_end > now),
                func.count().filter(
                    trialing, or_(Subscription.current_period_end.is_(None), Subscription.current_period_end <= now)
                ),
                func.count().filter(Subscription.status == "complimentary"),
                func.round(func.coalesce(func.sum(monthly_value).filter(is_paid), 0)),
                func.count().filter(
                    trialing, func.coalesce(Subscription.current_period_start, Subscription.created_at) > since
                ),
            )
            .select_from(Subscription)
            .outerjoin(PlanBilling, PlanBilling.plan == Subscription.plan)
        )
    ).one()
    paid, trialing_live, trials_expired, complimentary, mrr, trials_started = totals

    by_status = await session.execute(select(Subscription.status, func.count()).group_by(Subscription.status))
    by_plan = await session.execute(select(Subscription.plan, func.count()).group_by(Subscription.plan))
    accounts = await session.scalar(select(func.count()).select_from(BillingAccount))
    checkouts = await session.scalar(
        select(func.count()).where(
            StripeEvent.event_type == "checkout.session.completed",
            StripeEvent.outcome == "applied",
            StripeEvent.processed_at > since,
        )
    )
    return BillingMetrics(
        accounts=accounts or 0,
        by_status=dict(sorted((status, count) for status, count in by_status)),
        by_plan=dict(sorted((plan, count) for plan, count in by_plan)),
        paid_accounts=paid,
        trialing_live=trialing_live,
        trials_expired=trials_expired,
        complimentary=complimentary,
        mrr_cents=int(mrr),
        trials_started_last_7d=trials_started,
        checkouts_completed_last_7d=checkouts or 0,
        as_of=now,
    )
