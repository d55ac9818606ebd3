"""Outcomes of Stripe webhook deliveries, for the dashboard and the webhook-failure alert."""

from prometheus_client import Counter

WEBHOOK_EVENTS = Counter(
    "billing_webhook_events_total",
    "Stripe webhook deliveries by outcome: applied, stale, no_match, ignored, duplicate; "
    "rejected (missing or bad signature) and failed (an error while applying) are the failures.",
    ["outcome"],
)
