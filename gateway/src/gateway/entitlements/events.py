"""What each `billing.*` event makes stale in the snapshot cache (events.md §3, consumers: gateway)."""

import logging
from dataclasses import dataclass

from pydantic import ValidationError

from gateway.entitlements.cache import EntitlementCache
from shared.events import Envelope, FeatureOverridesChanged, PlanCatalogChanged, SubscriptionChanged

log = logging.getLogger(__name__)

SUBSCRIPTION_CHANGED = "billing.subscription.changed"
FEATURE_OVERRIDES_CHANGED = "billing.feature_overrides.changed"
PLAN_CATALOG_CHANGED = "billing.plan_catalog.changed"
EVICTING_TYPES = frozenset({SUBSCRIPTION_CHANGED, FEATURE_OVERRIDES_CHANGED, PLAN_CATALOG_CHANGED})
HANDLED_VERSION = 1


@dataclass(frozen=True)
class Outcome:
    """What one message did, for the log and the consumer's span."""

    event_type: str
    action: str  # "evict_account" | "evict_plans" | "evict_all" | "ignored" | "malformed"


def apply_billing_event(cache: EntitlementCache, body: bytes, routing_key: str) -> Outcome:
    """Evict what the event makes stale; never raises. A malformed message of an evicting type drops
    every snapshot (whose account changed cannot be known); any other malformed message is ignored."""
    try:
        envelope = Envelope.model_validate_json(body)
    except ValidationError as exc:
        return _malformed(cache, routing_key, f"envelope does not parse: {exc.error_count()} error(s)")
    if envelope.type not in EVICTING_TYPES:
        return Outcome(envelope.type, "ignored")  # trial.ending, payment.failed: nothing cached changes
    if envelope.version != HANDLED_VERSION:
        # the producer publishes every version until each consumer has moved (events.md §1)
        log.info("event version not handled", extra={"type": envelope.type, "version": envelope.version})
        return Outcome(envelope.type, "ignored")
    try:
        if envelope.type == PLAN_CATALOG_CHANGED:
            catalog = PlanCatalogChanged.model_validate(envelope.data)
            cache.evict_plans(catalog.plans)
            return Outcome(envelope.type, "evict_all" if catalog.plans is None else "evict_plans")
        model = SubscriptionChanged if envelope.type == SUBSCRIPTION_CHANGED else FeatureOverridesChanged
        cache.evict(model.model_validate(envelope.data).account_id)
        return Outcome(envelope.type, "evict_account")
    except ValidationError as exc:
        return _malformed(cache, envelope.type, f"data does not validate: {exc.errors()[0]['loc']}")


def _malformed(cache: EntitlementCache, event_type: str, reason: str) -> Outcome:
    evicting = event_type in EVICTING_TYPES
    log.error(
        "malformed billing event acknowledged",
        extra={"type": event_type, "error": reason, "dropped_cache": evicting},
    )
    if evicting:
        cache.evict_all()
    return Outcome(event_type, "malformed")
