"""Issuing access and refresh JWTs (api.md "Tokens")."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from joserfc import jwt

from identity.signing.keys import SigningKeys
from shared.auth import ALGORITHM
from shared.clock import Clock


@dataclass(frozen=True)
class AccessSubject:
    """What an access token says about its user, read fresh from the database."""

    user_id: UUID
    account_id: UUID
    account_role: str
    is_super_admin: bool
    email_verified_at: datetime | None
    user_created_at: datetime


@dataclass(frozen=True)
class IssuedRefresh:
    token: str
    jti: str
    expires_at: datetime


def jti_hash(jti: str) -> str:
    """What `refresh_tokens.token_hash` stores: the SHA-256 hex of the JWT's `jti`."""
    return hashlib.sha256(jti.encode()).hexdigest()


def access_claims(subject: AccessSubject, *, now: datetime, lifetime: timedelta, jti: str) -> dict[str, Any]:
    issued = int(now.timestamp())
    return {
        "sub": str(subject.user_id),
        "account_id": str(subject.account_id),
        "account_role": subject.account_role,
        "is_super_admin": subject.is_super_admin,
        "email_verified_at": subject.email_verified_at.isoformat() if subject.email_verified_at else None,
        "user_created_at": subject.user_created_at.isoformat(),
        "type": "access",
        "jti": jti,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
    }


class TokenIssuer:
    def __init__(
        self, keys: SigningKeys, clock: Clock, *, access_lifetime: timedelta, refresh_lifetime: timedelta
    ) -> None:
        self.keys = keys
        self.clock = clock
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime

    def _sign(self, claims: dict[str, Any]) -> str:
        key = self.keys.signing_key
        return jwt.encode({"alg": ALGORITHM, "kid": str(key.kid), "typ": "JWT"}, claims, key)

    def access_token(self, subject: AccessSubject) -> str:
        claims = access_claims(subject, now=self.clock.now(), lifetime=self.access_lifetime, jti=secrets.token_hex(16))
        return self._sign(claims)

    def refresh_token(self, user_id: UUID) -> IssuedRefresh:
        now = self.clock.now()
        expires_at = now + self.refresh_lifetime
        jti = secrets.token_hex(16)
        issued = int(now.timestamp())
        claims = {
            "sub": str(user_id),
            "type": "refresh",
            "jti": jti,
            "iat": issued,
            "exp": issued + int(self.refresh_lifetime.total_seconds()),
        }
        return IssuedRefresh(token=self._sign(claims), jti=jti, expires_at=expires_at)
