"""Billing: plan catalog, feature flags, subscriptions and trials, Stripe billing, usage limits."""
