"""Wiring only: the notifications app, its email courier and its event handlers."""

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from notifications.emails.events import build_handlers
from notifications.emails.providers import build_provider
from notifications.emails.rendering import Renderer
from notifications.emails.router import router as emails_router
from notifications.emails.service import Courier
from notifications.settings import get_settings
from shared.bus.outbox import Outbox
from shared.clock import SystemClock
from shared.db import make_session_factory
from shared.runtime import ServiceRuntime, create_service_app


def create_app() -> FastAPI:
    settings = get_settings()
    clock = SystemClock()
    # unpooled: each claim or failure record opens its own short connection, so it never waits
    # on the consumer's pool, whose connections the inbox transactions hold meanwhile
    bookkeeping_engine = create_async_engine(settings.notifications_database_url, poolclass=NullPool)
    courier = Courier(
        settings=settings,
        provider=build_provider(settings),
        renderer=Renderer(),
        clock=clock,
        outbox=Outbox("notifications", clock),
        bookkeeping=make_session_factory(bookkeeping_engine),
    )
    app = create_service_app(
        title="notifications",
        runtime_factory=lambda: ServiceRuntime(
            service="notifications",
            settings=settings,
            database_url=settings.notifications_database_url,
            handlers=build_handlers(courier),
            clock=clock,
        ),
        routers=[emails_router],
    )
    app.state.courier = courier
    app.state.runtime.add_cleanup(bookkeeping_engine.dispose)
    return app
