"""Every event identity consumes (events.md §4, queue `identity.events`), bound to its domain's handler."""

from typing import Any

from identity import onboarding_sync
from identity.invites import account_handlers
from shared.bus.consumer import Handler
from shared.runtime import ServiceRuntime


def build_handlers(runtime: ServiceRuntime) -> dict[str, Handler[Any]]:
    """The handlers by routing key; `runtime` gives handlers that publish their outbox and clock."""
    return {
        **account_handlers.HANDLERS,
        **onboarding_sync.build_handlers(runtime.outbox),
    }
