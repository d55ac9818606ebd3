"""HTTP of api.md §3.2; no database transaction is held while a provider is called."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from identity.deps import Services
from identity.oauth import service
from identity.oauth.providers import ProviderDirectory, provider_config
from identity.oauth.schemas import AuthorizeQuery, AuthorizeResponse, CallbackRequest, OAuthTokenResponse

router = APIRouter(prefix="/api/v1/auth", tags=["oauth"])


async def provider_directory(request: Request) -> ProviderDirectory:
    """One directory per app, on the runtime's HTTP client (closed with the app)."""
    state = request.app.state
    directory: ProviderDirectory | None = getattr(state, "oidc_directory", None)
    if directory is None:
        directory = ProviderDirectory(state.runtime.http)
        state.oidc_directory = directory
    return directory


Directory = Annotated[ProviderDirectory, Depends(provider_directory)]


@router.get("/{provider}/authorize")
async def authorize(
    provider: str,
    query: Annotated[AuthorizeQuery, Query()],
    services: Services,
    directory: Directory,
) -> AuthorizeResponse:
    config = provider_config(services.settings, provider)
    return await service.start_authorization(
        factory=services.factory, directory=directory, config=config, query=query, now=services.clock.now()
    )


@router.post("/{provider}/callback")
async def callback(
    provider: str, body: CallbackRequest, services: Services, directory: Directory
) -> OAuthTokenResponse:
    config = provider_config(services.settings, provider)
    return await service.complete_sign_in(
        factory=services.factory,
        directory=directory,
        issuer=services.issuer,
        outbox=services.outbox,
        settings=services.settings,
        clock=services.clock,
        config=config,
        body=body,
    )
