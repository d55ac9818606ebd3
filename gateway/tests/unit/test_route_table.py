from pathlib import Path

import pytest

from gateway.access.policy import Policy, PolicyKind, parse_policy
from gateway.ratelimit.rules import Per, RateKey, RateLimitRule
from gateway.routing.errors import MethodNotAllowed, RouteNotFound, RouteTableError
from gateway.routing.table import RouteEntry, RouteTable, Upstream, load_route_table
from gateway.settings import PACKAGED_ROUTE_TABLE


def table(*entries: dict[str, object]) -> RouteTable:
    return RouteTable([RouteEntry.model_validate(e) for e in entries], [])


@pytest.fixture(scope="module")
def packaged() -> RouteTable:
    return load_route_table(PACKAGED_ROUTE_TABLE)


def test_exact_template_beats_wildcard_prefix() -> None:
    routes = table(
        {"path": "/api/v1/auth/**", "upstream": "identity", "policy": "public"},
        {"path": "/api/v1/auth/me", "upstream": "identity", "policy": "authenticated"},
    )
    assert routes.match("GET", "/api/v1/auth/me").template == "/api/v1/auth/me"
    assert routes.match("POST", "/api/v1/auth/register").template == "/api/v1/auth/**"


def test_wildcard_matches_the_prefix_itself_and_everything_under_it() -> None:
    routes = table({"path": "/api/v1/trees/**", "upstream": "product", "policy": "pro"})
    for path in ("/api/v1/trees", "/api/v1/trees/", "/api/v1/trees/1", "/api/v1/trees/1/steps/2"):
        assert routes.match("GET", path).template == "/api/v1/trees/**"
    with pytest.raises(RouteNotFound):
        routes.match("GET", "/api/v1/treesx")


def test_param_template_beats_wildcard_and_literal_beats_param() -> None:
    routes = table(
        {"path": "/api/v1/accounts/invites/**", "upstream": "identity", "policy": "authenticated"},
        {"path": "/api/v1/accounts/invites/{code}/lookup", "upstream": "identity", "policy": "public"},
        {"path": "/api/v1/accounts/invites/special/lookup", "upstream": "billing", "policy": "admin"},
    )
    assert routes.match("GET", "/api/v1/accounts/invites/abc/lookup").policy.kind is PolicyKind.PUBLIC
    assert routes.match("GET", "/api/v1/accounts/invites/special/lookup").upstream is Upstream.BILLING
    assert routes.match("POST", "/api/v1/accounts/invites/abc/accept").policy.kind is PolicyKind.AUTHENTICATED


def test_longer_wildcard_prefix_wins() -> None:
    routes = table(
        {"path": "/api/v1/**", "upstream": "product", "policy": "tenant"},
        {"path": "/api/v1/admin/billing/**", "upstream": "billing", "policy": "admin"},
    )
    assert routes.match("GET", "/api/v1/admin/billing/metrics").upstream is Upstream.BILLING


def test_method_filter_picks_the_entry_for_that_method() -> None:
    routes = table(
        {"path": "/api/v1/trees/**", "upstream": "product", "policy": "pro"},
        {"path": "/api/v1/trees", "methods": ["post"], "upstream": "product", "policy": "pro", "within_limit": "trees"},
    )
    assert routes.match("POST", "/api/v1/trees").within_limit is not None
    assert routes.match("GET", "/api/v1/trees").within_limit is None


def test_path_known_under_other_methods_only_is_405() -> None:
    routes = table({"path": "/api/v1/sales-leads", "methods": ["POST"], "upstream": "onboarding", "policy": "public"})
    with pytest.raises(MethodNotAllowed):
        routes.match("GET", "/api/v1/sales-leads")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/auth/../admin/settings", "/api/v1//auth/me", "/", ""])
def test_unmatched_or_unsafe_path_is_404(packaged: RouteTable, path: str) -> None:
    with pytest.raises(RouteNotFound):
        packaged.match("GET", path)


@pytest.mark.parametrize(
    ("method", "path", "upstream", "policy"),
    [
        ("POST", "/api/v1/auth/register", "identity", "public"),
        ("POST", "/api/v1/auth/login", "identity", "public"),
        ("POST", "/api/v1/auth/refresh", "identity", "public"),
        ("POST", "/api/v1/auth/password/forgot", "identity", "public"),
        ("POST", "/api/v1/auth/email/verify", "identity", "public"),
        ("POST", "/api/v1/auth/google/callback", "identity", "public"),
        ("GET", "/api/v1/auth/me", "identity", "authenticated"),
        ("POST", "/api/v1/auth/logout", "identity", "authenticated"),
        ("PATCH", "/api/v1/users/me", "identity", "authenticated"),
        ("GET", "/api/v1/accounts/me", "identity", "tenant"),
        ("PATCH", "/api/v1/accounts/me/members/u1", "identity", "tenant"),
        ("GET", "/api/v1/accounts/invites/abc/lookup", "identity", "public"),
        ("GET", "/api/v1/config/public", "identity", "public"),
        ("GET", "/api/v1/billing/state", "billing", "tenant"),
        ("GET", "/api/v1/accounts/me/subscription", "billing", "tenant"),
        ("GET", "/api/v1/plans/public", "billing", "public"),
        ("GET", "/api/v1/plans/public/comparison", "billing", "public"),
        ("GET", "/api/v1/plans/other", "billing", "tenant"),
        ("GET", "/api/v1/users/onboarding-status", "onboarding", "tenant"),
        ("POST", "/api/v1/sales-leads", "onboarding", "public"),
        ("GET", "/api/v1/admin/users/u1", "identity", "admin"),
        ("PUT", "/api/v1/admin/users/u1/plan", "billing", "admin"),
        ("PATCH", "/api/v1/admin/accounts/a1/subscription", "billing", "admin"),
        ("GET", "/api/v1/admin/notifications", "notifications", "admin"),
        ("POST", "/api/v1/email/unsubscribe", "notifications", "public"),
        ("GET", "/api/v1/sessions/s1", "product", "pro"),
        ("GET", "/api/v1/integrations/connectwise", "product", "feature:psa_integration"),
        ("GET", "/api/v1/tags", "product", "tenant"),
    ],
)
def test_packaged_table_owner_and_policy(
    packaged: RouteTable, method: str, path: str, upstream: str, policy: str
) -> None:
    route = packaged.match(method, path)
    assert (route.upstream.value, str(route.policy)) == (upstream, policy)


def test_packaged_table_reserves_usage_on_creating_trees_and_sessions(packaged: RouteTable) -> None:
    assert packaged.match("POST", "/api/v1/trees").within_limit == "trees"
    assert packaged.match("POST", "/api/v1/ai-sessions").within_limit == "sessions_this_month"
    assert packaged.match("POST", "/api/v1/trees/t1/copy").within_limit is None


def test_packaged_allowlist_is_the_spec_list(packaged: RouteTable) -> None:
    assert "/api/v1/billing/state" in packaged.guard_allowlist
    assert len(packaged.guard_allowlist) == 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("public", Policy(PolicyKind.PUBLIC)),
        ("pro", Policy(PolicyKind.PRO)),
        ("feature:script_builder", Policy(PolicyKind.FEATURE, "script_builder")),
    ],
)
def test_policy_parsing(text: str, expected: Policy) -> None:
    assert parse_policy(text) == expected


@pytest.mark.parametrize("text", ["feature", "feature:", "feature:Bad-Flag", "owner", "pro:x"])
def test_unknown_policy_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="policy"):
        parse_policy(text)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("routes: [{path: /a, upstream: identity, policy: owner}]", "routes.0.policy"),
        ("routes: [{path: /a, upstream: elsewhere, policy: public}]", "routes.0.upstream"),
        ("routes: [{path: /a/**/b, upstream: identity, policy: public}]", "'\\*\\*' may only end"),
        ("routes: [{path: /a, upstream: identity, policy: public, within_limit: trees}]", "within_limit"),
        (
            "routes: [{path: /a, upstream: identity, policy: public}, {path: /a, upstream: billing, policy: public}]",
            "duplicate route",
        ),
        (
            "routes: [{path: /a, methods: [GET, POST], upstream: identity, policy: public},"
            " {path: /a, methods: [POST], upstream: identity, policy: public}]",
            "duplicate route",
        ),
        ("routes: [{path: /a, upstream: identity, policy: public, rate_limit: {limit: 0, per: minute}}]", "limit"),
        ("routes: [{path: /a, upstream: identity, policy: public, rate_limit: {limit: 3, per: week}}]", "per"),
        ("routes: [{path: /a, upstream: identity, policy: public, rate_limit: {limit: 3, per: hour, key: ip}}]", "key"),
        (
            "routes: [{path: /a, upstream: identity, policy: public, rate_limit: {limit: 3, per: hour, key: user}}]",
            "keyed by user on /a needs a policy with a token",
        ),
        ("routes: [", "not valid YAML"),
        ("routes: []", "routes"),
    ],
)
def test_bad_route_file_is_one_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    source = tmp_path / "routes.yaml"
    source.write_text(content)
    with pytest.raises(RouteTableError, match=problem) as caught:
        load_route_table(source)
    assert "\n" not in str(caught.value)


def test_missing_route_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RouteTableError, match="cannot read"):
        load_route_table(tmp_path / "absent.yaml")


def test_entry_naming_the_method_beats_one_for_all_methods_on_the_same_path() -> None:
    for order in (1, -1):
        entries: list[dict[str, object]] = [
            {"path": "/a", "upstream": "identity", "policy": "authenticated"},
            {"path": "/a", "methods": ["POST"], "upstream": "billing", "policy": "authenticated"},
        ]
        routes = table(*entries[::order])
        assert routes.match("POST", "/a").upstream is Upstream.BILLING
        assert routes.match("GET", "/a").upstream is Upstream.IDENTITY


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/api/v1/auth/register", RateLimitRule(limit=3, per=Per.MINUTE, key=RateKey.CLIENT)),
        ("/api/v1/sales-leads", RateLimitRule(limit=5, per=Per.HOUR, key=RateKey.CLIENT)),
        ("/api/v1/auth/login", RateLimitRule(limit=10, per=Per.MINUTE, key=RateKey.CLIENT)),
        ("/api/v1/auth/login/json", RateLimitRule(limit=10, per=Per.MINUTE, key=RateKey.CLIENT)),
        ("/api/v1/auth/password/forgot", RateLimitRule(limit=5, per=Per.HOUR, key=RateKey.CLIENT)),
        ("/api/v1/auth/email/send-verification", RateLimitRule(limit=5, per=Per.HOUR, key=RateKey.USER)),
    ],
)
def test_packaged_table_rate_limits_are_the_spec_ones_on_post_only(
    packaged: RouteTable, path: str, rule: RateLimitRule
) -> None:
    posted = packaged.match("POST", path)
    assert posted.rate_limit == rule
    assert packaged.match("GET", path).rate_limit is None
    assert packaged.match("GET", path).policy == posted.policy


def test_packaged_table_limits_no_other_route(packaged: RouteTable) -> None:
    limited = {route.template for route in packaged.routes if route.rate_limit is not None}
    assert limited == {
        "/api/v1/auth/register",
        "/api/v1/sales-leads",
        "/api/v1/auth/login",
        "/api/v1/auth/login/json",
        "/api/v1/auth/password/forgot",
        "/api/v1/auth/email/send-verification",
    }
