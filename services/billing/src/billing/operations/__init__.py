"""Operator commands of data-model.md §6: complimentary backfill and the Stripe plan sync."""
