"""The route table: data (routes.yaml) validated at start, compiled into a segment trie for lookup."""

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.access.policy import Policy, parse_policy
from gateway.ratelimit.rules import RateKey, RateLimitRule
from gateway.routing.errors import MethodNotAllowed, RouteNotFound, RouteTableError

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
WILDCARD = "**"


class Upstream(StrEnum):
    IDENTITY = "identity"
    BILLING = "billing"
    ONBOARDING = "onboarding"
    NOTIFICATIONS = "notifications"
    PRODUCT = "product"


class UsageMetric(StrEnum):
    TREES = "trees"
    SESSIONS_THIS_MONTH = "sessions_this_month"


class RouteEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    methods: list[str] | None = None
    upstream: Upstream
    policy: Policy
    within_limit: UsageMetric | None = None
    rate_limit: RateLimitRule | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        template_segments(value)
        return value

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        upper = [m.upper() for m in value]
        unknown = sorted(set(upper) - HTTP_METHODS)
        if unknown or not upper:
            raise ValueError(f"unknown or empty methods {unknown or value}")
        return upper

    @field_validator("policy", mode="before")
    @classmethod
    def _policy(cls, value: Any) -> Policy:
        if isinstance(value, Policy):
            return value
        if not isinstance(value, str):
            raise ValueError("policy must be a string")
        return parse_policy(value)

    @model_validator(mode="after")
    def _limit_needs_account(self) -> "RouteEntry":
        if self.within_limit is not None and not self.policy.needs_account:
            raise ValueError(f"within_limit on {self.path} needs a tenant, pro or feature policy")
        return self

    @model_validator(mode="after")
    def _user_rate_limit_needs_token(self) -> "RouteEntry":
        if self.rate_limit is not None and self.rate_limit.key is RateKey.USER and not self.policy.needs_token:
            raise ValueError(f"rate_limit keyed by user on {self.path} needs a policy with a token")
        return self


class RouteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routes: list[RouteEntry] = Field(min_length=1)
    guard_allowlist: list[str] = []


def template_segments(path: str) -> list[str]:
    """Segments of a template; `{param}` and a final `**` are the only non-literal segments."""
    if not path.startswith("/") or path.endswith("/") or "//" in path:
        raise ValueError(f"template {path!r} must start with '/' and have no empty segment")
    segments = path[1:].split("/")
    for index, segment in enumerate(segments):
        if segment == WILDCARD and index != len(segments) - 1:
            raise ValueError(f"template {path!r}: '**' may only end a template")
        if "{" in segment or "}" in segment:
            if not (segment.startswith("{") and segment.endswith("}") and segment[1:-1].isidentifier()):
                raise ValueError(f"template {path!r}: bad parameter segment {segment!r}")
        elif "*" in segment and segment != WILDCARD:
            raise ValueError(f"template {path!r}: bad wildcard segment {segment!r}")
    return segments


@dataclass(frozen=True)
class Route:
    template: str
    methods: frozenset[str] | None
    upstream: Upstream
    policy: Policy
    within_limit: UsageMetric | None
    specificity: tuple[int, int, int, int]
    rate_limit: RateLimitRule | None = None

    def allows(self, method: str) -> bool:
        return self.methods is None or method in self.methods


def _specificity(segments: list[str]) -> tuple[int, int, int, int]:
    """Higher wins: no wildcard, then fewer params, then more literal segments, then longer."""
    wildcards = sum(1 for s in segments if s == WILDCARD)
    params = sum(1 for s in segments if s.startswith("{"))
    literals = len(segments) - wildcards - params
    return (-wildcards, -params, literals, len(segments))


@dataclass
class _Node:
    literal: dict[str, "_Node"] = field(default_factory=dict)
    param: "_Node | None" = None
    exact: list[Route] = field(default_factory=list)
    subtree: list[Route] = field(default_factory=list)


class RouteTable:
    """Most specific match wins (then one naming the method); unmatched → 404, other method → 405."""

    def __init__(self, entries: list[RouteEntry], guard_allowlist: list[str]) -> None:
        self._root = _Node()
        self.routes: list[Route] = []
        self.guard_allowlist = frozenset(guard_allowlist)
        seen: dict[str, list[frozenset[str] | None]] = {}
        for entry in entries:
            segments = template_segments(entry.path)
            methods = frozenset(entry.methods) if entry.methods else None
            # two entries for one path may not both claim a method: neither would be more specific
            for other in seen.setdefault(entry.path, []):
                if (methods is None and other is None) or (methods and other and methods & other):
                    raise RouteTableError(f"duplicate route {entry.path} {sorted(methods or ['*'])}")
            seen[entry.path].append(methods)
            route = Route(
                template=entry.path,
                methods=methods,
                upstream=entry.upstream,
                policy=entry.policy,
                within_limit=entry.within_limit,
                specificity=_specificity(segments),
                rate_limit=entry.rate_limit,
            )
            self.routes.append(route)
            self._insert(segments, route)

    def _insert(self, segments: list[str], route: Route) -> None:
        node = self._root
        for segment in segments:
            if segment == WILDCARD:
                node.subtree.append(route)
                return
            if segment.startswith("{"):
                node.param = node.param or _Node()
                node = node.param
            else:
                node = node.literal.setdefault(segment, _Node())
        node.exact.append(route)

    def candidates(self, path: str) -> list[Route]:
        """Every route whose template matches `path`, whatever its methods."""
        segments = path_segments(path)
        if segments is None:
            return []
        found: list[Route] = []
        stack: list[tuple[_Node, int]] = [(self._root, 0)]
        while stack:
            node, depth = stack.pop()
            found.extend(node.subtree)
            if depth == len(segments):
                found.extend(node.exact)
                continue
            child = node.literal.get(segments[depth])
            if child is not None:
                stack.append((child, depth + 1))
            if node.param is not None:
                stack.append((node.param, depth + 1))
        return found

    def match(self, method: str, path: str) -> Route:
        found = self.candidates(path)
        if not found:
            raise RouteNotFound()
        allowed = [r for r in found if r.allows(method)]
        if not allowed:
            raise MethodNotAllowed()
        # at equal specificity, an entry naming the method beats one for all methods
        return max(allowed, key=lambda r: (r.specificity, r.methods is not None))


def path_segments(path: str) -> list[str] | None:
    """Segments of a request path; None for paths no route may match (empty, `.` or `..` segments)."""
    if not path.startswith("/"):
        return None
    segments = path[1:].split("/")
    if len(segments) > 1 and segments[-1] == "":
        segments.pop()
    if any(s in ("", ".", "..") for s in segments):
        return None
    return segments


def load_route_table(source: Path) -> RouteTable:
    """Read and validate the route table file; any problem is a RouteTableError of one line."""
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RouteTableError(f"cannot read {source}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise RouteTableError(f"{source} is not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        parsed = RouteFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise RouteTableError(f"{source}: {where}: {first['msg']}") from None
    return RouteTable(parsed.routes, parsed.guard_allowlist)
