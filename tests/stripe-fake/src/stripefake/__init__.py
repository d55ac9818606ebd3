"""A local fake Stripe API for tests: localstripe plus prices, Checkout and the Billing Portal.

    async with FakeStripe() as fake:
        client = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, http_client=stripe.HTTPXClient())

Importing this package does not import localstripe (the server runs in its own process).
"""

from stripefake.client import DEFAULT_API_KEY, FakeStripe, FakeStripeError
from stripefake.events import event, sign, signed_event

__all__ = ["DEFAULT_API_KEY", "FakeStripe", "FakeStripeError", "event", "sign", "signed_event"]
