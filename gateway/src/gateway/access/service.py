"""Admission: every check of a route's policy, in api.md's order, before any upstream call."""

from dataclasses import dataclass

from opentelemetry import trace

from gateway.access.errors import LimitReached
from gateway.access.guards import (
    require_account,
    require_active_subscription,
    require_feature,
    require_super_admin,
    require_verified_email_after_grace,
)
from gateway.access.policy import PolicyKind
from gateway.entitlements.billing import BillingClient
from gateway.entitlements.cache import EntitlementCache
from gateway.entitlements.schemas import Snapshot
from gateway.ratelimit.service import RateLimits
from gateway.routing.table import Route
from shared.auth import (
    AccessClaims,
    AuthUnavailable,
    InvalidCredentials,
    InvalidToken,
    KeysUnavailable,
    NotAuthenticated,
    TokenVerifier,
)
from shared.clock import Clock
from shared.errors import ApiError

tracer = trace.get_tracer(__name__)


@dataclass(frozen=True)
class Admission:
    """What the checks learnt: forwarded as X-User-*/X-Account-* headers."""

    claims: AccessClaims | None = None
    snapshot: Snapshot | None = None
    reservation_id: str | None = None


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated()
    return token.strip()


class Gatekeeper:
    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        cache: EntitlementCache,
        billing: BillingClient,
        clock: Clock,
        grace_days: int,
        guard_allowlist: frozenset[str],
        rate_limits: RateLimits | None = None,
    ) -> None:
        self.verifier = verifier
        self.cache = cache
        self.billing = billing
        self.clock = clock
        self.grace_days = grace_days
        self.guard_allowlist = guard_allowlist
        self.rate_limits = rate_limits

    async def authenticate(self, authorization: str | None) -> AccessClaims:
        token = bearer_token(authorization)
        try:
            return await self.verifier.verify_access(token)
        except KeysUnavailable:
            # identity's keys are out of reach: the token is unchecked, not bad (never let it through either)
            raise AuthUnavailable() from None
        except InvalidToken:
            raise InvalidCredentials() from None

    async def admit(self, *, route: Route, path: str, authorization: str | None) -> Admission:
        """401 → 429 per user → 403 account → 403 admin → 402 subscription → 403 email → 402 feature → 402 limit."""
        with tracer.start_as_current_span(
            "gateway.checks", record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attributes(
                {
                    "gateway.route": route.template,
                    "gateway.policy": str(route.policy),
                    "gateway.upstream": route.upstream.value,
                }
            )
            try:
                admission = await self._admit(route=route, path=path, authorization=authorization)
            except ApiError as refused:  # an answer to the client, not a fault of the gateway
                span.set_attribute("gateway.refused", refused.status_code)
                if isinstance(refused.detail, dict) and "error" in refused.detail:
                    span.set_attribute("gateway.refused_error", str(refused.detail["error"]))
                raise
            span.set_attribute("gateway.snapshot_read", admission.snapshot is not None)
            return admission

    async def _admit(self, *, route: Route, path: str, authorization: str | None) -> Admission:
        policy = route.policy
        if not policy.needs_token:
            return Admission()
        claims = await self.authenticate(authorization)
        if self.rate_limits is not None:
            self.rate_limits.check_user(route, user_id=claims.user_id)
        if policy.needs_account:
            require_account(claims)
        if policy.kind is PolicyKind.ADMIN:
            require_super_admin(claims)
        guarded = policy.needs_subscription and path not in self.guard_allowlist
        if not guarded and route.within_limit is None:
            return Admission(claims=claims)
        assert claims.account_id is not None  # policies with guards or limits all need an account
        snapshot = await self.cache.get(claims.account_id)
        now = self.clock.now()
        if guarded:
            snapshot = require_active_subscription(snapshot, now)
            require_verified_email_after_grace(claims, now, self.grace_days)
            if policy.feature is not None:
                require_feature(snapshot, policy.feature)
        reservation_id = None
        if route.within_limit is not None:
            reservation = await self.billing.reserve(claims.account_id, route.within_limit.value)
            if not reservation.allowed:
                raise LimitReached(
                    limit=reservation.limit,
                    used=reservation.used,
                    maximum=reservation.max,
                    plan=reservation.plan,
                )
            reservation_id = reservation.reservation_id
        return Admission(claims=claims, snapshot=snapshot, reservation_id=reservation_id)
