"""The one place billing builds its Stripe client (the official `stripe` SDK, async over httpx)."""

import stripe

from billing.settings import BillingSettings

STRIPE_TIMEOUT_SECONDS = 15


def stripe_client(
    settings: BillingSettings, http_client: stripe.HTTPXClient | None = None
) -> stripe.StripeClient | None:
    """A client for STRIPE_SECRET_KEY (None when Stripe is not configured); STRIPE_API_BASE redirects it,
    e.g. to the local fake Stripe the tests run. Pass `http_client` to own (and close) its connections."""
    if not settings.stripe_secret_key:
        return None
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        settings.stripe_secret_key,
        base_addresses=base,  # type: ignore[arg-type]
        http_client=http_client or stripe.HTTPXClient(timeout=STRIPE_TIMEOUT_SECONDS),
        max_network_retries=2,
    )


def stripe_http_client() -> stripe.HTTPXClient:
    return stripe.HTTPXClient(timeout=STRIPE_TIMEOUT_SECONDS)


def is_live_key(settings: BillingSettings) -> bool:
    return bool(settings.stripe_secret_key and settings.stripe_secret_key.startswith("sk_live_"))
