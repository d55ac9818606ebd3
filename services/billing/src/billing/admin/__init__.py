"""Administration of billing by super admins: the plan catalog, feature flags, account overrides,
subscriptions and the billing metrics."""
