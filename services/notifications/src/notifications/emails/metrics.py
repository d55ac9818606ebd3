"""Provider outcomes of email attempts, by template."""

from prometheus_client import Counter

EMAILS_SENT = Counter("notifications_emails_sent_total", "Emails the provider accepted, by template.", ["template"])
EMAILS_FAILED = Counter(
    "notifications_emails_failed_total",
    "Email attempts the provider refused, by template and kind (transient ones are retried).",
    ["template", "kind"],
)
