"""Billing's internal API as the gateway uses it: snapshots and usage reservations."""

import logging
from uuid import UUID

import httpx
from opentelemetry import trace
from pydantic import ValidationError

from gateway.entitlements.errors import EntitlementsUnavailable
from gateway.entitlements.schemas import Reservation, Snapshot

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class BillingClient:
    def __init__(self, http: httpx.AsyncClient, internal_api_token: str) -> None:
        self.http = http
        self._auth = {"Authorization": f"Bearer {internal_api_token}"}

    async def fetch_snapshot(self, account_id: UUID) -> Snapshot | None:
        """The account's snapshot; None when billing has no subscription for it (404)."""
        with tracer.start_as_current_span("gateway.entitlements.fetch") as span:
            span.set_attribute("account.id", str(account_id))
            snapshot = await self._fetch_snapshot(account_id)
            span.set_attribute("entitlements.found", snapshot is not None)
            return snapshot

    async def _fetch_snapshot(self, account_id: UUID) -> Snapshot | None:
        try:
            response = await self.http.get(f"/internal/entitlements/{account_id}", headers=self._auth)
        except httpx.HTTPError as exc:
            log.warning("entitlements fetch failed", extra={"account_id": str(account_id), "error": repr(exc)})
            raise EntitlementsUnavailable() from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("entitlements fetch refused", extra={"status": response.status_code})
            raise EntitlementsUnavailable()
        try:
            return Snapshot.model_validate_json(response.content)
        except ValidationError:
            log.warning("entitlements snapshot malformed", extra={"account_id": str(account_id)})
            raise EntitlementsUnavailable() from None

    async def reserve(self, account_id: UUID, metric: str) -> Reservation:
        try:
            response = await self.http.post(
                f"/internal/usage/{account_id}/reserve",
                json={"metric": metric, "amount": 1},
                headers=self._auth,
            )
            response.raise_for_status()
            return Reservation.model_validate_json(response.content)
        except (httpx.HTTPError, ValidationError) as exc:
            log.warning("usage reservation failed", extra={"account_id": str(account_id), "error": repr(exc)})
            raise EntitlementsUnavailable() from None

    async def release(self, reservation_id: str) -> None:
        """Give back a reserved unit; a failure is logged, the upstream's answer still goes out."""
        try:
            response = await self.http.post(
                f"/internal/usage/reservations/{reservation_id}/release", headers=self._auth
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("usage release failed", extra={"reservation_id": reservation_id, "error": repr(exc)})
