"""The event backbone: transactional outbox, relay, idempotent inbox consumer, retry and dead letters."""
