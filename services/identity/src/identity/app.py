"""Wiring only: the identity app, its routers, its keys and the runtime settings seeded at start."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import FastAPI

from identity.accounts.router import internal_router as internal_accounts_router
from identity.accounts.router import router as accounts_router
from identity.admin import bootstrap
from identity.admin.router import router as admin_router
from identity.auth.router import router as auth_router
from identity.deps import IdentityServices
from identity.events import build_handlers
from identity.invites.account_router import router as account_invites_router
from identity.oauth.router import router as oauth_router
from identity.platform_codes.router import router as platform_codes_router
from identity.registration.router import router as registration_router
from identity.runtime_settings import service as runtime_settings
from identity.runtime_settings.router import router as runtime_settings_router
from identity.settings import IdentitySettings, get_settings
from identity.signing.keys import LocalKeySource, SigningKeys
from identity.signing.router import router as signing_router
from identity.signing.tokens import TokenIssuer
from identity.users.router import internal_router as internal_users_router
from identity.users.router import router as users_router
from shared.auth import TokenVerifier
from shared.clock import Clock
from shared.db import transaction
from shared.runtime import ServiceRuntime, create_service_app


def _seeder(settings: IdentitySettings) -> Callable[[ServiceRuntime, FastAPI], Awaitable[None]]:
    async def seed(runtime: ServiceRuntime, _: FastAPI) -> None:
        async with transaction(runtime.factory) as session:
            await runtime_settings.seed_missing(session=session, settings=settings)
        if settings.bootstrap_admin_email and settings.bootstrap_admin_password:
            async with transaction(runtime.factory) as session:
                await bootstrap.ensure_super_admin(
                    session=session,
                    outbox=runtime.outbox,
                    email=settings.bootstrap_admin_email,
                    password=settings.bootstrap_admin_password.get_secret_value(),
                    now=runtime.clock.now(),
                )

    return seed


def create_app(clock: Clock | None = None) -> FastAPI:
    settings = get_settings()
    keys = SigningKeys.load(settings.jwt_private_key, settings.jwt_private_key_file)
    app = create_service_app(
        title="identity",
        runtime_factory=lambda: ServiceRuntime(
            service="identity",
            settings=settings,
            database_url=settings.identity_database_url,
            handlers=build_handlers,
            clock=clock,
        ),
        routers=[
            registration_router,
            auth_router,
            users_router,
            signing_router,
            internal_users_router,
            internal_accounts_router,
            accounts_router,
            account_invites_router,
            runtime_settings_router,
            platform_codes_router,
            admin_router,
            oauth_router,
        ],
        on_start=_seeder(settings),
    )
    runtime: ServiceRuntime = app.state.runtime
    # identity verifies its own tokens against its own keys, not its own JWKS over HTTP
    verifier = TokenVerifier(LocalKeySource(keys), runtime.clock)
    app.state.token_verifier = verifier
    app.state.identity = IdentityServices(
        settings=settings,
        keys=keys,
        issuer=TokenIssuer(
            keys,
            runtime.clock,
            access_lifetime=timedelta(minutes=settings.access_token_expire_minutes),
            refresh_lifetime=timedelta(days=settings.refresh_token_expire_days),
        ),
        outbox=runtime.outbox,
        clock=runtime.clock,
        factory=runtime.factory,
        verifier=verifier,
    )
    return app
