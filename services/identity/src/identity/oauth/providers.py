"""Which OpenID Connect providers are configured, and their discovery documents and signing keys,
fetched over HTTP and cached (an unreachable provider is `oauth_provider_unavailable`)."""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from identity.oauth.errors import OAuthProviderUnavailable, ProviderNotConfigured, UnknownProvider
from identity.settings import IdentitySettings

PROVIDERS = ("google", "microsoft")
LABELS = {"google": "Google", "microsoft": "Microsoft"}
# asymmetric algorithms only: "none" and HMAC (keyed with the public client id's secret) never verify an ID token
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
METADATA_TTL_SECONDS = 3600.0
KEYS_TTL_SECONDS = 3600.0
MIN_KEYS_REFETCH_SECONDS = 5.0
FETCH_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    label: str
    client_id: str
    client_secret: str
    discovery_url: str
    redirect_uri: str


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of a discovery document sign-in uses; `issuer` may be a template (Microsoft `common`)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]


def configured_providers(settings: IdentitySettings) -> list[str]:
    """The providers whose client id is set, in the order google, microsoft."""
    ids = {"google": settings.google_client_id, "microsoft": settings.ms_client_id}
    return [name for name in PROVIDERS if ids[name]]


def provider_config(settings: IdentitySettings, name: str) -> ProviderConfig:
    """The configuration of `name`: 404 for a provider we do not know, 503 for one not configured."""
    if name not in PROVIDERS:
        raise UnknownProvider()
    if name == "google":
        client_id, secret, url = (
            settings.google_client_id,
            settings.google_client_secret,
            settings.google_oidc_discovery_url,
        )
    else:
        client_id, secret, url = settings.ms_client_id, settings.ms_client_secret, settings.ms_oidc_discovery_url
    if not client_id:
        raise ProviderNotConfigured(LABELS[name])
    return ProviderConfig(
        name=name,
        label=LABELS[name],
        client_id=client_id,
        client_secret=secret.get_secret_value() if secret is not None else "",
        discovery_url=url,
        redirect_uri=f"{settings.oauth_redirect_base.rstrip('/')}/auth/{name}/callback",
    )


def _metadata_from(document: Any) -> ProviderMetadata:
    if not isinstance(document, dict):
        raise ValueError("discovery document is not a JSON object")
    fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    missing = [f for f in fields if not isinstance(document.get(f), str) or not document[f]]
    if missing:
        raise ValueError(f"discovery document lacks {', '.join(missing)}")
    advertised = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in SAFE_ALGORITHMS if a in advertised) or ("RS256",)
    return ProviderMetadata(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        algorithms=algorithms,
    )


class ProviderDirectory:
    """Discovery documents by URL and key sets by `jwks_uri`, cached for an hour; a stale copy is
    used when a refetch fails, and a key set is refetched early (at most every few seconds) when a
    token names a key it does not hold."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self._metadata: dict[str, tuple[float, ProviderMetadata]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}
        self._lock = asyncio.Lock()

    async def _get_json(self, url: str) -> Any:
        response = await self.http.get(url, timeout=FETCH_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()

    async def metadata(self, discovery_url: str) -> ProviderMetadata:
        cached = self._metadata.get(discovery_url)
        if cached is not None and time.monotonic() - cached[0] < METADATA_TTL_SECONDS:
            return cached[1]
        async with self._lock:
            cached = self._metadata.get(discovery_url)
            if cached is not None and time.monotonic() - cached[0] < METADATA_TTL_SECONDS:
                return cached[1]
            try:
                found = _metadata_from(await self._get_json(discovery_url))
            except (httpx.HTTPError, ValueError):
                if cached is not None:
                    return cached[1]
                raise OAuthProviderUnavailable() from None
            self._metadata[discovery_url] = (time.monotonic(), found)
            return found

    async def keys(self, jwks_uri: str, *, refetch: bool = False) -> KeySet:
        """The provider's key set; `refetch` asks for a fresh copy (a token named an unknown key)."""
        cached = self._keys.get(jwks_uri)
        if cached is not None and self._fresh(cached[0], refetch):
            return cached[1]
        async with self._lock:
            cached = self._keys.get(jwks_uri)
            if cached is not None and self._fresh(cached[0], refetch):
                return cached[1]
            try:
                found = KeySet.import_key_set(await self._get_json(jwks_uri))
            except (httpx.HTTPError, ValueError, TypeError, KeyError, JoseError):
                if cached is not None:
                    return cached[1]
                raise OAuthProviderUnavailable() from None
            self._keys[jwks_uri] = (time.monotonic(), found)
            return found

    @staticmethod
    def _fresh(fetched_at: float, refetch: bool) -> bool:
        age = time.monotonic() - fetched_at
        return age < (MIN_KEYS_REFETCH_SECONDS if refetch else KEYS_TTL_SECONDS)
