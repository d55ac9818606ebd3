"""The plan catalog: limits, prices, feature flags with plan defaults and account overrides."""
