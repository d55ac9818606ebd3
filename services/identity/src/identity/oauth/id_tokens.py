"""ID token verification (api.md §3.2 step 3) and the profile read from a verified token.

The signature is checked with joserfc (Authlib's JOSE engine) against the provider's key set; the
claims with Authlib's `CodeIDToken` (iss, aud, exp, iat, nonce, azp, at_hash)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from identity.oauth.errors import OAuthEmailNotVerified, OAuthIdTokenInvalid

# the Microsoft `common` discovery document's issuer is a template filled with the token's own tenant
TENANT_PLACEHOLDER = "{tenantid}"
# clock skew tolerated between us and the provider for exp and iat
LEEWAY_SECONDS = 60
NAME_MAX = 255


class UnknownSigningKey(Exception):
    """The token names a key the cached key set lacks: refetch the provider's keys once."""


@dataclass(frozen=True)
class Profile:
    subject: str
    email: str
    name: str


def expected_issuer(issuer: str, claims: dict[str, Any]) -> str:
    """The issuer the token must carry: the discovery issuer, with `{tenantid}` replaced by the
    token's `tid` when the document is a multi-tenant template."""
    if TENANT_PLACEHOLDER not in issuer:
        return issuer
    tenant = claims.get("tid")
    if not isinstance(tenant, str) or not tenant or "/" in tenant:
        raise OAuthIdTokenInvalid()
    return issuer.replace(TENANT_PLACEHOLDER, tenant)


def verify_id_token(
    *,
    id_token: str,
    keys: KeySet,
    algorithms: tuple[str, ...],
    issuer: str,
    client_id: str,
    nonce: str | None,
    access_token: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The claims of a valid ID token; `oauth_id_token_invalid` for a bad signature, issuer, audience,
    time or nonce. `nonce` None skips the nonce check (the legacy exchange without state)."""
    try:
        token = jwt.decode(id_token, keys, algorithms=list(algorithms))
    except InvalidKeyIdError:
        raise UnknownSigningKey() from None
    except (JoseError, ValueError, TypeError):
        raise OAuthIdTokenInvalid() from None
    claims = dict(token.claims)
    options = {
        "iss": {"essential": True, "values": [expected_issuer(issuer, claims)]},
        "aud": {"essential": True, "values": [client_id]},
    }
    params = {"client_id": client_id, "nonce": nonce, "access_token": access_token}
    try:
        CodeIDToken(claims, token.header, options, params).validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError):
        raise OAuthIdTokenInvalid() from None
    if nonce is not None and claims.get("nonce") != nonce:
        # Authlib skips the check for a falsy expected nonce; ours never is, but say it plainly
        raise OAuthIdTokenInvalid()
    return claims


def _marked_unverified(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def profile_of(provider: str, claims: dict[str, Any]) -> Profile:
    """Subject, email and name as api.md reads them; an email marked unverified is refused."""
    subject = claims.get("oid") if provider == "microsoft" and claims.get("oid") else claims.get("sub")
    email = claims.get("email")
    if provider == "microsoft" and not email:
        email = claims.get("preferred_username")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise OAuthIdTokenInvalid()
    if not isinstance(email, str) or "@" not in email.strip() or len(email.strip()) > 255:
        raise OAuthIdTokenInvalid()
    if _marked_unverified(claims.get("email_verified")):
        raise OAuthEmailNotVerified()
    email = email.strip().lower()
    name = claims.get("name")
    name = name.strip() if isinstance(name, str) else ""
    return Profile(subject=subject, email=email, name=(name or email.split("@", 1)[0])[:NAME_MAX])
