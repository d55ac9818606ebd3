"""The `pro` and `feature:<flag>` decisions over every subscription status x plan x period x email
state, against an oracle written from api.md §2 alone (not from the guards' code), through the
Gatekeeper with real signed tokens, plus the allowlisted paths."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.access.service import Admission, Gatekeeper
from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.schemas import Snapshot
from gateway.routing.table import RouteEntry, RouteTable, Upstream, load_route_table
from gateway.settings import PACKAGED_ROUTE_TABLE
from shared.auth import TokenVerifier
from shared.clock import ManualClock
from shared.errors import ApiError
from shared.testing import TestSigner

STATUSES = ("active", "trialing", "past_due", "canceled", "incomplete", "complimentary", "none")
PLANS = ("free", "starter", "pro", "enterprise")
PERIODS = ("none", "past", "future")
EMAILS = ("verified", "unverified_in_grace", "unverified_past_grace")
FLAG = "analytics_dashboards"
UPGRADE_URL = "/account/billing/select-plan"

# api.md §2 "Allowlist", copied from the spec rather than from routes.yaml
SPEC_ALLOWLIST = frozenset(
    {
        "/api/v1/auth/me",
        "/api/v1/auth/logout",
        "/api/v1/auth/password/change",
        "/api/v1/auth/email/send-verification",
        "/api/v1/auth/email/verify",
        "/api/v1/billing/state",
        "/api/v1/billing/checkout-session",
        "/api/v1/billing/portal-session",
        "/api/v1/users/me",
        "/api/v1/users/me/onboarding-step",
        "/api/v1/users/me/onboarding-dismiss-rest",
    }
)


@dataclass(frozen=True)
class Case:
    status: str
    plan: str
    period_end: datetime | None
    verified_at: datetime | None
    created_at: datetime
    feature_on: bool


def oracle(case: Case, *, policy: str, path: str, now: datetime) -> tuple[int, Any] | None:
    """api.md §2: None when the request passes, else (status, detail). Written from the spec's prose."""
    if path in SPEC_ALLOWLIST:
        return None  # never the subscription, email or feature guard
    if case.status == "none":
        return 402, {"error": "no_subscription", "upgrade_url": UPGRADE_URL}
    live = case.status in ("active", "complimentary", "past_due") or (
        case.status == "trialing" and case.period_end is not None and case.period_end > now
    )
    if not live:
        return 402, {
            "error": "subscription_inactive",
            "status": case.status,
            "plan": case.plan,
            "current_period_end": case.period_end.isoformat() if case.period_end else None,
            "upgrade_url": UPGRADE_URL,
        }
    grace_ends = case.created_at + timedelta(days=7)
    if case.verified_at is None and not now < grace_ends:
        return 403, {
            "error": "email_not_verified",
            "grace_ended_at": grace_ends.isoformat(),
            "resend_url": "/api/v1/auth/email/send-verification",
        }
    if policy.startswith("feature:") and not case.feature_on:
        return 402, {
            "error": "feature_not_in_plan",
            "feature": FLAG,
            "current_plan": case.plan,
            "upgrade_url": UPGRADE_URL,
        }
    return None


# the route table's shapes for both guarded policies, and allowlisted paths that carry them anyway
ROUTES = [
    ("pro", "/api/v1/trees/t1"),
    (f"feature:{FLAG}", "/api/v1/analytics/summary"),
    ("pro", "/api/v1/users/me"),
    (f"feature:{FLAG}", "/api/v1/billing/state"),
]
TABLE = RouteTable(
    [
        RouteEntry.model_validate({"path": "/api/v1/trees/**", "upstream": Upstream.PRODUCT, "policy": "pro"}),
        RouteEntry.model_validate(
            {"path": "/api/v1/analytics/**", "upstream": Upstream.PRODUCT, "policy": f"feature:{FLAG}"}
        ),
        RouteEntry.model_validate({"path": "/api/v1/users/me", "upstream": Upstream.IDENTITY, "policy": "pro"}),
        RouteEntry.model_validate(
            {"path": "/api/v1/billing/state", "upstream": Upstream.BILLING, "policy": f"feature:{FLAG}"}
        ),
    ],
    guard_allowlist=sorted(SPEC_ALLOWLIST),
)

SIGNER = TestSigner()


class Billing:
    def __init__(self) -> None:
        self.snapshots: dict[uuid.UUID, Snapshot] = {}
        self.fetches = 0

    async def fetch(self, account_id: uuid.UUID) -> Snapshot | None:
        self.fetches += 1
        return self.snapshots.get(account_id)


async def decide(case: Case, policy: str, path: str, clock: ManualClock) -> tuple[tuple[int, Any] | None, int]:
    """The Gatekeeper's decision (None = admitted) and the number of snapshot fetches it made."""
    account = uuid.uuid4()
    billing = Billing()
    if case.status != "none":
        billing.snapshots[account] = Snapshot.model_validate(
            {
                "subscription": {"status": case.status, "plan": case.plan, "current_period_end": case.period_end},
                "features": {FLAG: case.feature_on, "other_flag": not case.feature_on},
            }
        )
    gatekeeper = Gatekeeper(
        verifier=TokenVerifier(SIGNER, clock),
        cache=EntitlementCache(billing.fetch, clock, ttl_seconds=300),
        billing=None,  # type: ignore[arg-type]  # no route here reserves usage
        clock=clock,
        grace_days=7,
        guard_allowlist=TABLE.guard_allowlist,
    )
    token = SIGNER.access_token(
        account_id=account,
        email_verified_at=case.verified_at.isoformat() if case.verified_at else None,
        user_created_at=case.created_at.isoformat(),
    )
    route = TABLE.match("GET", path)
    assert str(route.policy) == policy
    try:
        admission = await gatekeeper.admit(route=route, path=path, authorization=f"Bearer {token}")
    except ApiError as refused:
        return (refused.status_code, refused.detail), billing.fetches
    assert isinstance(admission, Admission)
    assert admission.claims is not None
    assert admission.claims.account_id == account
    return None, billing.fetches


def build_case(status: str, plan: str, period: str, email: str, feature_on: bool, now: datetime) -> Case:
    period_end = {"none": None, "past": now - timedelta(days=2), "future": now + timedelta(days=5)}[period]
    created = {
        "verified": now - timedelta(days=60),
        "unverified_in_grace": now - timedelta(days=3),
        "unverified_past_grace": now - timedelta(days=8),
    }[email]
    verified_at = now - timedelta(days=59) if email == "verified" else None
    return Case(status, plan, period_end, verified_at, created, feature_on)


@pytest.mark.parametrize(
    ("status", "plan", "period", "email"), list(itertools.product(STATUSES, PLANS, PERIODS, EMAILS))
)
async def test_guarded_policies_decide_as_the_spec_says(status: str, plan: str, period: str, email: str) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    now = clock.now()
    for feature_on, (policy, path) in itertools.product((True, False), ROUTES):
        case = build_case(status, plan, period, email, feature_on, now)
        decision, fetches = await decide(case, policy, path, clock)
        assert decision == oracle(case, policy=policy, path=path, now=now), (policy, path, case)
        if path in SPEC_ALLOWLIST:
            assert fetches == 0  # an allowlisted path reads no snapshot at all


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from(STATUSES),
    plan=st.sampled_from(PLANS),
    period_offset=st.one_of(st.none(), st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3))),
    created_offset=st.timedeltas(min_value=timedelta(days=-10), max_value=timedelta(days=-4)),
    verified=st.booleans(),
    feature_on=st.booleans(),
    route=st.sampled_from(ROUTES),
)
async def test_decisions_hold_at_and_around_every_boundary(
    status: str,
    plan: str,
    period_offset: timedelta | None,
    created_offset: timedelta,
    verified: bool,
    feature_on: bool,
    route: tuple[str, str],
) -> None:
    """Trial end and grace end at any offset, including exactly now (a period ending now is over)."""
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    now = clock.now()
    case = Case(
        status,
        plan,
        now + period_offset if period_offset is not None else None,
        now - timedelta(days=30) if verified else None,
        now + created_offset,
        feature_on,
    )
    policy, path = route
    decision, _ = await decide(case, policy, path, clock)
    assert decision == oracle(case, policy=policy, path=path, now=now)


@pytest.mark.parametrize("period_end_offset", [timedelta(0), timedelta(seconds=1), timedelta(seconds=-1)])
@pytest.mark.parametrize("created_offset", [timedelta(days=-7), timedelta(days=-7, seconds=1)])
async def test_exact_trial_end_and_grace_end(period_end_offset: timedelta, created_offset: timedelta) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    now = clock.now()
    case = Case("trialing", "pro", now + period_end_offset, None, now + created_offset, True)
    for policy, path in ROUTES:
        decision, _ = await decide(case, policy, path, clock)
        assert decision == oracle(case, policy=policy, path=path, now=now)


def test_packaged_allowlist_is_the_spec_list_and_its_guarded_paths_stay_unguarded() -> None:
    table = load_route_table(PACKAGED_ROUTE_TABLE)
    assert table.guard_allowlist == SPEC_ALLOWLIST
    assert str(table.match("GET", "/api/v1/trees").policy) == "pro"
    assert str(table.match("GET", "/api/v1/analytics").policy) == f"feature:{FLAG}"
