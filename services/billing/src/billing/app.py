"""Wiring only: the billing app, its routers and its event handlers."""

from typing import Any

from fastapi import FastAPI

from billing.catalog.router import router as catalog_router
from billing.entitlements.router import router as entitlements_router
from billing.settings import get_settings
from billing.subscriptions import events as subscription_events
from billing.subscriptions.router import router as subscriptions_router
from billing.usage import events as usage_events
from shared.bus.consumer import Handler
from shared.clock import Clock, SystemClock
from shared.runtime import ServiceRuntime, create_service_app

SERVICE = "billing"


def create_app(clock: Clock | None = None) -> FastAPI:
    settings = get_settings()
    clock = clock or SystemClock()

    def handlers(runtime: ServiceRuntime) -> dict[str, Handler[Any]]:
        return {
            **subscription_events.handlers(outbox=runtime.outbox, clock=runtime.clock, trial_days=settings.trial_days),
            **usage_events.handlers(clock=runtime.clock),
        }

    return create_service_app(
        title=SERVICE,
        runtime_factory=lambda: ServiceRuntime(
            service=SERVICE,
            settings=settings,
            database_url=settings.billing_database_url,
            handlers=handlers,
            clock=clock,
        ),
        routers=[subscriptions_router, catalog_router, entitlements_router],
    )
