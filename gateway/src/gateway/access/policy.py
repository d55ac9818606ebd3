"""Route policies (api.md §2 "Policies"): who may pass a route, parsed once from the route table."""

import re
from dataclasses import dataclass
from enum import StrEnum


class PolicyKind(StrEnum):
    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    TENANT = "tenant"
    PRO = "pro"
    FEATURE = "feature"
    ADMIN = "admin"


_FEATURE_FLAG = re.compile(r"^[a-z][a-z0-9_]{1,99}$")


@dataclass(frozen=True)
class Policy:
    kind: PolicyKind
    feature: str | None = None

    @property
    def needs_token(self) -> bool:
        return self.kind is not PolicyKind.PUBLIC

    @property
    def needs_account(self) -> bool:
        return self.kind in (PolicyKind.TENANT, PolicyKind.PRO, PolicyKind.FEATURE)

    @property
    def needs_subscription(self) -> bool:
        return self.kind in (PolicyKind.PRO, PolicyKind.FEATURE)

    def __str__(self) -> str:
        return f"feature:{self.feature}" if self.kind is PolicyKind.FEATURE else self.kind.value


def parse_policy(text: str) -> Policy:
    """`public|authenticated|tenant|pro|admin|feature:<flag>`; anything else is a ValueError."""
    kind, sep, flag = text.strip().partition(":")
    if sep:
        if kind != PolicyKind.FEATURE.value or not _FEATURE_FLAG.match(flag):
            raise ValueError(f"unknown policy {text!r} (feature policies read feature:<flag_key>)")
        return Policy(PolicyKind.FEATURE, flag)
    try:
        parsed = PolicyKind(kind)
    except ValueError:
        raise ValueError(f"unknown policy {text!r}") from None
    if parsed is PolicyKind.FEATURE:
        raise ValueError("policy 'feature' needs a flag: feature:<flag_key>")
    return Policy(parsed)
