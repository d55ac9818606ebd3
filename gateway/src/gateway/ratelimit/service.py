"""The rate-limit check of a route: the key, the count, and the 429 when over."""

from collections.abc import Sequence
from uuid import UUID

from gateway.ratelimit.client import TrustedProxies, client_address
from gateway.ratelimit.errors import RateLimited
from gateway.ratelimit.limiter import SlidingWindowLimiter
from gateway.ratelimit.rules import RateKey, RateLimitRule
from gateway.routing.table import Route


class RateLimits:
    """Client-keyed limits run right after route lookup; user-keyed ones right after the token."""

    def __init__(self, *, limiter: SlidingWindowLimiter, trusted_proxies: TrustedProxies, enabled: bool) -> None:
        self.limiter = limiter
        self.trusted_proxies = trusted_proxies
        self.enabled = enabled

    def check_client(self, route: Route, *, peer: str | None, forwarded_for: Sequence[str]) -> None:
        rule = route.rate_limit
        if rule is None or rule.key is not RateKey.CLIENT or not self.enabled:
            return
        self._hit(route, rule, f"client:{client_address(peer, forwarded_for, self.trusted_proxies)}")

    def check_user(self, route: Route, *, user_id: UUID) -> None:
        rule = route.rate_limit
        if rule is None or rule.key is not RateKey.USER or not self.enabled:
            return
        self._hit(route, rule, f"user:{user_id}")

    def _hit(self, route: Route, rule: RateLimitRule, key: str) -> None:
        methods = ",".join(sorted(route.methods or ["*"]))
        verdict = self.limiter.hit(f"{methods} {route.template} {key}", limit=rule.limit, window=rule.window)
        if not verdict.allowed:
            raise RateLimited(retry_after=verdict.retry_after)
