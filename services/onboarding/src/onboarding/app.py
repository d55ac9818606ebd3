"""Wiring only: the onboarding app, its routers and its event handlers."""

from fastapi import FastAPI

from onboarding.progress import events as progress_events
from onboarding.progress.router import router as progress_router
from onboarding.sales.router import router as sales_router
from onboarding.settings import get_settings
from shared.runtime import ServiceRuntime, create_service_app


def create_app() -> FastAPI:
    settings = get_settings()
    return create_service_app(
        title="onboarding",
        runtime_factory=lambda: ServiceRuntime(
            service="onboarding",
            settings=settings,
            database_url=settings.onboarding_database_url,
            handlers=progress_events.HANDLERS,
        ),
        routers=[progress_router, sales_router],
    )
