"""Readiness: the broker and the four services' `/readyz`; the product upstream is only reported."""

from collections.abc import Mapping

import httpx

from gateway.entitlements.subscriber import EntitlementEvents
from shared.health import Check


def broker_check(events: EntitlementEvents) -> Check:
    """The broker counts as up while this replica consumes its eviction queue on a live link."""

    async def check() -> None:
        if not events.is_live:
            raise RuntimeError("entitlement events not consumed (broker link down)")

    return check


def service_ready_check(http: httpx.AsyncClient, base_url: str) -> Check:
    async def check() -> None:
        response = await http.get(f"{base_url.rstrip('/')}/readyz", timeout=2.0)
        if response.status_code != 200:
            raise RuntimeError(f"readyz answered {response.status_code}")

    return check


def reachable_check(http: httpx.AsyncClient, base_url: str) -> Check:
    """Any HTTP answer below 500 counts: the product's own health routes are not ours to know."""

    async def check() -> None:
        response = await http.get(base_url, timeout=2.0)
        if response.status_code >= 500:
            raise RuntimeError(f"answered {response.status_code}")

    return check


def required_checks(
    events: EntitlementEvents, http: httpx.AsyncClient, services: Mapping[str, str]
) -> dict[str, Check]:
    checks = {"broker": broker_check(events)}
    checks.update({name: service_ready_check(http, url) for name, url in services.items()})
    return checks
