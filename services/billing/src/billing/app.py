"""Wiring only: the billing app, its routers and its event handlers."""

from typing import Any

from fastapi import FastAPI

from billing.admin.catalog_router import router as admin_catalog_router
from billing.admin.overrides_router import router as admin_overrides_router
from billing.admin.subscription_router import router as admin_subscription_router
from billing.catalog.router import router as catalog_router
from billing.checkout.router import router as checkout_router
from billing.entitlements.router import router as entitlements_router
from billing.reminders.background import run_trial_reminders
from billing.settings import get_settings
from billing.stripe_api.client import stripe_client, stripe_http_client
from billing.subscriptions import events as subscription_events
from billing.subscriptions.router import router as subscriptions_router
from billing.usage import events as usage_events
from billing.usage.router import router as usage_router
from billing.webhooks.router import router as webhooks_router
from shared.bus.consumer import Handler
from shared.clock import Clock, SystemClock
from shared.runtime import ServiceRuntime, create_service_app

SERVICE = "billing"


def create_app(clock: Clock | None = None) -> FastAPI:
    settings = get_settings()
    clock = clock or SystemClock()
    stripe_http = stripe_http_client()
    stripe = stripe_client(settings, stripe_http)  # one client for routes and handlers; None when off

    def handlers(runtime: ServiceRuntime) -> dict[str, Handler[Any]]:
        return {
            **subscription_events.handlers(outbox=runtime.outbox, clock=runtime.clock, trial_days=settings.trial_days),
            **usage_events.handlers(clock=runtime.clock),
            **subscription_events.ownership_handlers(stripe_client=stripe),
        }

    app = create_service_app(
        title=SERVICE,
        runtime_factory=lambda: ServiceRuntime(
            service=SERVICE,
            settings=settings,
            database_url=settings.billing_database_url,
            handlers=handlers,
            clock=clock,
        ),
        routers=[
            subscriptions_router,
            catalog_router,
            entitlements_router,
            usage_router,
            checkout_router,
            webhooks_router,
            admin_catalog_router,
            admin_overrides_router,
            admin_subscription_router,
        ],
    )
    run_trial_reminders(app, frontend_url=settings.frontend_url)
    app.state.stripe = stripe
    app.state.runtime.add_cleanup(stripe_http.close_async)
    return app
