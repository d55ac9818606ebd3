import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from billing.subscriptions.service import initial_terms
from billing.subscriptions.state import has_pro_entitlement, is_active, is_live, is_paid
from shared.clock import ManualClock
from shared.events import PlatformInvite

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Terms:
    plan: str
    status: str
    current_period_end: datetime | None = None


def test_running_trial_is_entitled_and_live_but_not_paid() -> None:
    clock = ManualClock(START)
    trial = Terms("pro", "trialing", START + timedelta(days=14))

    assert has_pro_entitlement(trial, clock.now())
    assert is_live(trial, clock.now())
    assert is_active(trial)
    assert not is_paid(trial)


def test_trial_loses_entitlement_and_liveness_when_its_period_ends() -> None:
    clock = ManualClock(START)
    trial = Terms("pro", "trialing", START + timedelta(days=14))

    clock.advance(timedelta(days=14))

    assert not has_pro_entitlement(trial, clock.now())
    assert not is_live(trial, clock.now())
    assert is_active(trial)  # is_active ignores the period


def test_trial_without_period_end_is_not_live() -> None:
    trial = Terms("pro", "trialing", None)

    assert not has_pro_entitlement(trial, START)
    assert not is_live(trial, START)


def test_complimentary_pro_is_entitled_and_live_but_never_paid() -> None:
    comp = Terms("pro", "complimentary")

    assert has_pro_entitlement(comp, START)
    assert is_live(comp, START)
    assert is_active(comp)
    assert not is_paid(comp)


def test_past_due_paid_plan_is_paid_and_live_without_pro_entitlement() -> None:
    late = Terms("starter", "past_due", START - timedelta(days=3))

    assert is_paid(late)
    assert is_live(late, START)
    assert not has_pro_entitlement(late, START)
    assert not is_active(late)


def test_active_paid_plan_is_paid_entitled_and_live() -> None:
    paying = Terms("enterprise", "active", START + timedelta(days=30))

    assert is_paid(paying)
    assert has_pro_entitlement(paying, START)
    assert is_live(paying, START)


def test_active_free_plan_is_live_without_pro_entitlement_or_revenue() -> None:
    free = Terms("free", "active")

    assert is_live(free, START)
    assert is_active(free)
    assert not has_pro_entitlement(free, START)
    assert not is_paid(free)


@pytest.mark.parametrize("status", ["canceled", "incomplete"])
def test_canceled_and_incomplete_grant_nothing(status: str) -> None:
    dead = Terms("pro", status, START + timedelta(days=5))

    assert not is_live(dead, START)
    assert not has_pro_entitlement(dead, START)
    assert not is_paid(dead)
    assert not is_active(dead)


def test_new_account_without_invite_gets_the_pro_trial() -> None:
    terms = initial_terms(created_at=START, platform_invite=None, trial_days=14)

    assert (terms.plan, terms.status, terms.reason) == ("pro", "trialing", "trial_started")
    assert (terms.current_period_start, terms.current_period_end) == (START, START + timedelta(days=14))


def test_invite_with_trial_days_gets_a_trial_of_its_plan() -> None:
    invite = PlatformInvite(invite_code_id=uuid.uuid4(), assigned_plan="starter", trial_duration_days=7)

    terms = initial_terms(created_at=START, platform_invite=invite, trial_days=14)

    assert (terms.plan, terms.status, terms.reason) == ("starter", "trialing", "invite_plan")
    assert terms.current_period_end == START + timedelta(days=7)


def test_invite_without_trial_days_gets_its_plan_active_without_period() -> None:
    invite = PlatformInvite(invite_code_id=uuid.uuid4(), assigned_plan="free")

    terms = initial_terms(created_at=START, platform_invite=invite, trial_days=14)

    assert (terms.plan, terms.status, terms.reason) == ("free", "active", "invite_plan")
    assert (terms.current_period_start, terms.current_period_end) == (None, None)
