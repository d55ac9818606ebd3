"""The entitlement snapshot the gateway caches: subscription, effective limits, features, usage."""
