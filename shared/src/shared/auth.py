"""Access-token verification against identity's JWKS, cached, with key rotation by `kid`."""

import asyncio
import base64
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

import httpx
from fastapi import Depends, Request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from shared.clock import Clock
from shared.errors import ApiError

ALGORITHM = "RS256"


class InvalidToken(Exception):
    """The token is not one this platform issued, or no longer valid."""


class KeysUnavailable(InvalidToken):
    """Identity's signing keys could not be fetched: the token is unchecked, not known bad."""


class AuthUnavailable(ApiError):
    status_code = 503
    detail = {"error": "auth_unavailable"}


class NotAuthenticated(ApiError):
    status_code = 401
    detail = "Not authenticated"

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": "Bearer"})


class InvalidCredentials(ApiError):
    status_code = 401
    detail = "Could not validate credentials"

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    account_id: UUID | None
    account_role: str | None
    is_super_admin: bool
    email_verified_at: datetime | None
    user_created_at: datetime | None
    jti: str
    expires_at: int


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def access_claims(claims: dict[str, Any]) -> AccessClaims:
    try:
        return AccessClaims(
            user_id=UUID(str(claims["sub"])),
            account_id=UUID(str(claims["account_id"])) if claims.get("account_id") else None,
            account_role=claims.get("account_role"),
            is_super_admin=bool(claims.get("is_super_admin", False)),
            email_verified_at=_parse_time(claims.get("email_verified_at")),
            user_created_at=_parse_time(claims.get("user_created_at")),
            jti=str(claims["jti"]),
            expires_at=int(claims["exp"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(f"malformed claims: {exc}") from None


class KeySource(Protocol):
    async def key(self, kid: str) -> RSAKey: ...


class JwksCache:
    """Keys by `kid`; an unknown `kid` triggers one refetch (at most once per `min_refetch_seconds`)."""

    def __init__(
        self,
        jwks_url: str,
        http: httpx.AsyncClient,
        *,
        ttl_seconds: float = 300.0,
        min_refetch_seconds: float = 1.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.http = http
        self.ttl_seconds = ttl_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self._keys: dict[str, RSAKey] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        response = await self.http.get(self.jwks_url, timeout=5.0)
        response.raise_for_status()
        keys = KeySet.import_key_set(response.json())
        self._keys = {str(k.kid): k for k in keys.keys if isinstance(k, RSAKey) and k.kid}
        self._fetched_at = time.monotonic()

    async def key(self, kid: str) -> RSAKey:
        age = time.monotonic() - self._fetched_at
        if kid in self._keys and age < self.ttl_seconds:
            return self._keys[kid]
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = age >= self.ttl_seconds
            if stale or (kid not in self._keys and age >= self.min_refetch_seconds):
                try:
                    await self._refresh()
                except (httpx.HTTPError, ValueError, JoseError) as exc:
                    if kid not in self._keys:
                        raise KeysUnavailable(f"signing keys unavailable: {exc}") from None
        if kid not in self._keys:
            raise InvalidToken("unknown kid")
        return self._keys[kid]


@dataclass(frozen=True)
class _Verified:
    key: RSAKey
    claims: dict[str, Any]


class TokenVerifier:
    """RS256 access/refresh token checks. A token whose signature was verified is remembered (at most
    `remembered` of them, oldest forgotten first) with the key that verified it: presented again, it costs a
    dict lookup instead of an RSA verification, while expiry and type are checked every time and a rotated
    or withdrawn key (a different key object for its `kid`) makes it verify afresh."""

    def __init__(self, keys: KeySource, clock: Clock, *, remembered: int = 4096) -> None:
        self.keys = keys
        self.clock = clock
        self.remembered = remembered
        self._verified: dict[str, _Verified] = {}

    async def verify(self, token: str, expected_type: str) -> dict[str, Any]:
        """Signature (RS256 only, key by `kid`), expiry and `type`; returns the claims."""
        try:
            unverified = _peek_header(token)
        except ValueError as exc:
            raise InvalidToken(str(exc)) from None
        if unverified.get("alg") != ALGORITHM or not unverified.get("kid"):
            raise InvalidToken("wrong alg or no kid")
        key = await self.keys.key(str(unverified["kid"]))
        known = self._verified.get(token)
        claims = known.claims if known is not None and known.key is key else self._check_signature(token, key)
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= self.clock.now().timestamp():
            raise InvalidToken("expired")
        if claims.get("type") != expected_type:
            raise InvalidToken("wrong token type")
        return dict(claims)

    def _check_signature(self, token: str, key: RSAKey) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, key, algorithms=[ALGORITHM])
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidToken(f"bad signature: {type(exc).__name__}") from None
        claims = dict(decoded.claims)
        if self.remembered > 0:
            if len(self._verified) >= self.remembered:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = _Verified(key, claims)
        return claims

    async def verify_access(self, token: str) -> AccessClaims:
        return access_claims(await self.verify(token, "access"))


def _peek_header(token: str) -> dict[str, Any]:
    """The JOSE header, read before verification only to pick the key."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    padded = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError):
        raise ValueError("bad header") from None
    if not isinstance(header, dict):
        raise ValueError("bad header")
    return header


async def bearer_token(request: Request) -> str:
    """The bearer token of the request, or 401 `Not authenticated`."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated()
    return token.strip()


async def current_claims(request: Request, token: Annotated[str, Depends(bearer_token)]) -> AccessClaims:
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify_access(token)
    except KeysUnavailable:
        # a 401 would make clients drop a session that may be perfectly valid
        raise AuthUnavailable() from None
    except InvalidToken:
        raise InvalidCredentials() from None


CurrentClaims = Annotated[AccessClaims, Depends(current_claims)]


class InvalidInternalToken(ApiError):
    status_code = 401
    detail = "Invalid internal token"


async def require_internal_token(request: Request) -> None:
    """Guards `/internal/*`: `Bearer INTERNAL_API_TOKEN`, compared in constant time."""
    expected: str = request.app.state.internal_api_token
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise InvalidInternalToken()


InternalCaller = Depends(require_internal_token)


class NoAccount(ApiError):
    status_code = 403
    detail = {"error": "no_account"}


async def tenant_claims(claims: CurrentClaims) -> AccessClaims:
    """Claims of a user inside an account (the `tenant` policy), else 403 `no_account`."""
    if claims.account_id is None:
        raise NoAccount()
    return claims


TenantClaims = Annotated[AccessClaims, Depends(tenant_claims)]


class NotEnoughPermissions(ApiError):
    status_code = 403
    detail = "Not enough permissions"


async def super_admin_claims(claims: CurrentClaims) -> AccessClaims:
    """The `admin` policy inside a service: the token says super admin (identity keeps that claim fresh
    within a token's lifetime; the gateway checks it too), else 403 `Not enough permissions`."""
    if not claims.is_super_admin:
        raise NotEnoughPermissions()
    return claims


SuperAdminClaims = Annotated[AccessClaims, Depends(super_admin_claims)]
