"""The derived states of subscriptions/state.py against an oracle transcribed from data-model.md's
"Derived" table, for every status x plan x period combination and arbitrary times."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.subscriptions.models import STATUSES
from billing.subscriptions.state import has_pro_entitlement, is_active, is_live, is_paid

Period = Literal["none", "past", "now", "future"]
PLANS = ("free", "starter", "pro", "enterprise")
PERIODS: tuple[Period, ...] = ("none", "past", "now", "future")


@dataclass(frozen=True)
class Row:
    """One status's line of the table; `pro` and `live` per period (a trial counts only while its
    end is later than now)."""

    active: bool
    paid_on_paid_plan: bool
    pro_on_paid_plan: dict[Period, bool]
    live: dict[Period, bool]


def _every(value: bool) -> dict[Period, bool]:
    return dict.fromkeys(PERIODS, value)


RUNNING_TRIAL_ONLY: dict[Period, bool] = {"none": False, "past": False, "now": False, "future": True}

ORACLE: dict[str, Row] = {
    "active": Row(active=True, paid_on_paid_plan=True, pro_on_paid_plan=_every(True), live=_every(True)),
    "trialing": Row(active=True, paid_on_paid_plan=False, pro_on_paid_plan=RUNNING_TRIAL_ONLY, live=RUNNING_TRIAL_ONLY),
    "past_due": Row(active=False, paid_on_paid_plan=True, pro_on_paid_plan=_every(False), live=_every(True)),
    "canceled": Row(active=False, paid_on_paid_plan=False, pro_on_paid_plan=_every(False), live=_every(False)),
    "incomplete": Row(active=False, paid_on_paid_plan=False, pro_on_paid_plan=_every(False), live=_every(False)),
    "complimentary": Row(active=True, paid_on_paid_plan=False, pro_on_paid_plan=_every(True), live=_every(True)),
}
PAID_PLANS = {"starter": True, "pro": True, "enterprise": True, "free": False}


@dataclass(frozen=True)
class Terms:
    plan: str
    status: str
    current_period_end: datetime | None


def period_end(period: Period, now: datetime, offset: timedelta) -> datetime | None:
    return {"none": None, "past": now - offset, "now": now, "future": now + offset}[period]


def test_oracle_covers_every_status_of_the_check_constraint() -> None:
    assert set(ORACLE) == set(STATUSES)


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
offsets = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3650))


@pytest.mark.parametrize(("status", "plan", "period"), list(itertools.product(STATUSES, PLANS, PERIODS)))
@settings(max_examples=25, deadline=None)
@given(now=moments, offset=offsets)
def test_derived_states_match_the_data_model_table(
    status: str, plan: str, period: Period, now: datetime, offset: timedelta
) -> None:
    row = ORACLE[status]
    sub = Terms(plan=plan, status=status, current_period_end=period_end(period, now, offset))
    paid_plan = PAID_PLANS[plan]

    assert is_active(sub) is row.active
    assert is_paid(sub) is (paid_plan and row.paid_on_paid_plan)
    assert has_pro_entitlement(sub, now) is (paid_plan and row.pro_on_paid_plan[period])
    assert is_live(sub, now) is row.live[period]


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from(STATUSES),
    plan=st.text(min_size=1, max_size=20).filter(lambda p: p not in PAID_PLANS),
    period=st.sampled_from(PERIODS),
    now=moments,
    offset=offsets,
)
def test_unknown_plans_are_never_paid_or_pro_but_liveness_ignores_the_plan(
    status: str, plan: str, period: Period, now: datetime, offset: timedelta
) -> None:
    sub = Terms(plan=plan, status=status, current_period_end=period_end(period, now, offset))

    assert not is_paid(sub)
    assert not has_pro_entitlement(sub, now)
    assert is_live(sub, now) is ORACLE[status].live[period]
    assert is_active(sub) is ORACLE[status].active


@settings(max_examples=200, deadline=None)
@given(status=st.sampled_from(STATUSES), plan=st.sampled_from(PLANS), end=moments, now=moments, later=offsets)
def test_time_only_takes_entitlement_away(
    status: str, plan: str, end: datetime, now: datetime, later: timedelta
) -> None:
    """Moving the clock forward never grants pro or liveness a subscription did not have (an ended
    trial stays locked; nothing is rewritten)."""
    sub = Terms(plan=plan, status=status, current_period_end=end)

    assert has_pro_entitlement(sub, now + later) <= has_pro_entitlement(sub, now)
    assert is_live(sub, now + later) <= is_live(sub, now)
