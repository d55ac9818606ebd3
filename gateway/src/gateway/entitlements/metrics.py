"""Counters of the entitlement cache, for the hit ratio on the dashboard."""

from prometheus_client import Counter

CACHE_HITS = Counter(
    "gateway_entitlement_cache_hits_total", "Entitlement snapshots answered from this replica's cache."
)
CACHE_MISSES = Counter(
    "gateway_entitlement_cache_misses_total", "Entitlement lookups that needed (or joined) a fetch from billing."
)
