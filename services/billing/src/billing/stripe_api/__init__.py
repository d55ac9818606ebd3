"""Billing's connection to Stripe: the official SDK's async client, pointed at STRIPE_API_BASE when set."""
