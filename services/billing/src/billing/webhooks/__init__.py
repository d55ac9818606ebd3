"""Stripe webhooks: the idempotency log of the Stripe events billing has processed."""
