"""Google and Microsoft sign-in (api.md §3.2): the authorization URL with its server-side state, and
the callback — state, code exchange, ID token, linking — ending in a token pair like a login's."""

import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from sqlalchemy import delete, update

from identity.auth.models import OAuthState
from identity.auth.sessions import issue_pair
from identity.oauth import linking
from identity.oauth.errors import (
    OAuthExchangeFailed,
    OAuthIdTokenInvalid,
    OAuthProviderUnavailable,
    OAuthStateInvalid,
)
from identity.oauth.id_tokens import Profile, UnknownSigningKey, profile_of, verify_id_token
from identity.oauth.providers import ProviderConfig, ProviderDirectory, ProviderMetadata
from identity.oauth.schemas import AuthorizeQuery, AuthorizeResponse, CallbackRequest, OAuthTokenResponse
from identity.settings import IdentitySettings
from identity.signing.tokens import TokenIssuer
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory, transaction

SCOPE = "openid email profile"
STATE_LIFETIME = timedelta(minutes=10)
EXCHANGE_TIMEOUT_SECONDS = 10.0


def _client(config: ProviderConfig) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=SCOPE,
        redirect_uri=config.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",  # noqa: S106  (a method name, not a secret)
        timeout=EXCHANGE_TIMEOUT_SECONDS,
    )


async def start_authorization(
    *,
    factory: SessionFactory,
    directory: ProviderDirectory,
    config: ProviderConfig,
    query: AuthorizeQuery,
    now: datetime,
) -> AuthorizeResponse:
    """The provider's authorization URL (code flow, PKCE S256, nonce); state, nonce, verifier and the
    invite values are kept in `oauth_states` for 10 minutes, for one use."""
    metadata = await directory.metadata(config.discovery_url)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    extra = {"login_hint": query.invited_email} if query.invited_email else {}
    async with _client(config) as client:
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce, **extra
        )
    async with transaction(factory) as session:
        await session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
        session.add(
            OAuthState(
                state=state,
                provider=config.name,
                code_verifier=verifier,
                nonce=nonce,
                account_invite_code=query.account_invite_code,
                invited_email=query.invited_email,
                redirect_after=query.redirect_after,
                created_at=now,
                expires_at=now + STATE_LIFETIME,
            )
        )
    return AuthorizeResponse(url=str(url), state=state)


async def _consume_state(*, factory: SessionFactory, provider: str, state: str, now: datetime) -> OAuthState:
    """Mark the state used, committed at once: it stays spent whatever happens next."""
    async with transaction(factory) as session:
        row: OAuthState | None = await session.scalar(
            update(OAuthState)
            .where(
                OAuthState.state == state,
                OAuthState.provider == provider,
                OAuthState.used_at.is_(None),
                OAuthState.expires_at > now,
            )
            .values(used_at=now)
            .returning(OAuthState)
        )
    if row is None:
        raise OAuthStateInvalid()
    return row


async def _exchange(*, config: ProviderConfig, metadata: ProviderMetadata, code: str, verifier: str | None) -> Any:
    extra = {"code_verifier": verifier} if verifier else {}
    try:
        async with _client(config) as client:
            return await client.fetch_token(
                metadata.token_endpoint, grant_type="authorization_code", code=code, **extra
            )
    except OAuthError:
        raise OAuthExchangeFailed() from None
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code >= 500:
            raise OAuthProviderUnavailable() from None
        raise OAuthExchangeFailed() from None
    except httpx.HTTPError:
        raise OAuthProviderUnavailable() from None
    except ValueError:
        raise OAuthExchangeFailed() from None


async def _verified_claims(
    *,
    directory: ProviderDirectory,
    config: ProviderConfig,
    metadata: ProviderMetadata,
    token: Any,
    nonce: str | None,
    now: datetime,
) -> dict[str, Any]:
    id_token = token.get("id_token") if isinstance(token, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise OAuthIdTokenInvalid()
    access_token = token.get("access_token")
    for refetch in (False, True):
        keys = await directory.keys(metadata.jwks_uri, refetch=refetch)
        try:
            return verify_id_token(
                id_token=id_token,
                keys=keys,
                algorithms=metadata.algorithms,
                issuer=metadata.issuer,
                client_id=config.client_id,
                nonce=nonce,
                access_token=access_token if isinstance(access_token, str) else None,
                now=now,
            )
        except UnknownSigningKey:
            continue
    raise OAuthIdTokenInvalid()


async def complete_sign_in(
    *,
    factory: SessionFactory,
    directory: ProviderDirectory,
    issuer: TokenIssuer,
    outbox: Outbox,
    settings: IdentitySettings,
    clock: Clock,
    config: ProviderConfig,
    body: CallbackRequest,
) -> OAuthTokenResponse:
    """The callback's steps in api.md order. No database transaction is held while the provider is called."""
    state = None
    if body.state is not None:
        state = await _consume_state(factory=factory, provider=config.name, state=body.state, now=clock.now())
    metadata = await directory.metadata(config.discovery_url)
    token = await _exchange(
        config=config, metadata=metadata, code=body.code, verifier=state.code_verifier if state else None
    )
    claims = await _verified_claims(
        directory=directory,
        config=config,
        metadata=metadata,
        token=token,
        nonce=state.nonce if state else None,
        now=clock.now(),
    )
    profile = profile_of(config.name, claims)
    invite = linking.InviteValues(
        code=body.account_invite_code or (state.account_invite_code if state else None),
        invited_email=body.invited_email or (state.invited_email if state else None),
    )
    try:
        return await _sign_in_once(
            factory=factory,
            issuer=issuer,
            outbox=outbox,
            settings=settings,
            clock=clock,
            config=config,
            profile=profile,
            invite=invite,
        )
    except linking.ConcurrentSignIn:
        # a concurrent sign-in of the same person won a unique index; this attempt finds what it made
        return await _sign_in_once(
            factory=factory,
            issuer=issuer,
            outbox=outbox,
            settings=settings,
            clock=clock,
            config=config,
            profile=profile,
            invite=invite,
        )


async def _sign_in_once(
    *,
    factory: SessionFactory,
    issuer: TokenIssuer,
    outbox: Outbox,
    settings: IdentitySettings,
    clock: Clock,
    config: ProviderConfig,
    profile: Profile,
    invite: linking.InviteValues,
) -> OAuthTokenResponse:
    async with transaction(factory) as session:
        signed_in = await linking.sign_in(
            session=session,
            outbox=outbox,
            settings=settings,
            provider=config.name,
            profile=profile,
            invite=invite,
            now=clock.now(),
        )
        pair, _ = await issue_pair(session=session, issuer=issuer, user=signed_in.user)
    return OAuthTokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, is_new_user=signed_in.is_new_user
    )
