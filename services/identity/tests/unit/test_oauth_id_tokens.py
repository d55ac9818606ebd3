"""ID token verification and profile reading, with tokens signed here (the integration tests use a real
provider; these cover forgeries a well-behaved provider never produces)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from identity.oauth.errors import OAuthEmailNotVerified, OAuthIdTokenInvalid
from identity.oauth.id_tokens import UnknownSigningKey, profile_of, verify_id_token
from identity.oauth.providers import configured_providers
from identity.settings import IdentitySettings

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ISSUER = "https://accounts.example.com"
TEMPLATE = "https://login.example.com/{tenantid}/v2.0"
CLIENT = "client-1"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})
KEYS = KeySet([KEY])


def token(claims: dict[str, Any] | None = None, *, key: Any = KEY, header: dict[str, Any] | None = None) -> str:
    body = {"iss": ISSUER, "aud": CLIENT, "sub": "s1", "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 3600}
    body.update(claims or {})
    return jwt.encode(header or {"alg": "RS256", "kid": "k1"}, {k: v for k, v in body.items() if v is not None}, key)


def verify(value: str, *, issuer: str = ISSUER, nonce: str | None = None, now: datetime = NOW) -> dict[str, Any]:
    return verify_id_token(
        id_token=value,
        keys=KEYS,
        algorithms=("RS256",),
        issuer=issuer,
        client_id=CLIENT,
        nonce=nonce,
        access_token=None,
        now=now,
    )


def test_a_well_formed_token_verifies() -> None:
    assert verify(token({"nonce": "n"}), nonce="n")["sub"] == "s1"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client"},
        {"aud": ["another-client"]},
        {"iss": "https://evil.example.com"},
        {"exp": int((NOW - timedelta(minutes=5)).timestamp())},
        {"iat": int((NOW + timedelta(minutes=5)).timestamp())},
        {"exp": None},
        {"iat": None},
        {"iss": None},
    ],
)
def test_wrong_audience_issuer_or_time_is_invalid(claims: dict[str, Any]) -> None:
    with pytest.raises(OAuthIdTokenInvalid):
        verify(token(claims))


def test_a_signature_by_another_key_is_invalid() -> None:
    with pytest.raises(OAuthIdTokenInvalid):
        verify(token(key=OTHER))


def test_a_key_the_set_lacks_asks_for_a_refetch() -> None:
    with pytest.raises(UnknownSigningKey):
        verify(token(header={"alg": "RS256", "kid": "rotated"}))


def test_hmac_and_unsigned_tokens_are_refused() -> None:
    secret = OctKey.import_key(b"c" * 32)
    hmac = jwt.encode({"alg": "HS256", "kid": "k1"}, {"iss": ISSUER, "aud": CLIENT, "sub": "s"}, secret)
    unsigned = "eyJhbGciOiJub25lIn0." + hmac.split(".")[1] + "."  # {"alg":"none"}
    for value in (hmac, unsigned, "not-a-jwt"):
        with pytest.raises(OAuthIdTokenInvalid):
            verify(value)


def test_nonce_must_match_when_a_state_was_used() -> None:
    with pytest.raises(OAuthIdTokenInvalid):
        verify(token({"nonce": "other"}), nonce="expected")
    with pytest.raises(OAuthIdTokenInvalid):
        verify(token(), nonce="expected")
    assert verify(token({"nonce": "anything"}), nonce=None)["sub"] == "s1"


def test_the_tenant_template_is_filled_with_the_tokens_own_tid() -> None:
    tid = "9188040d-6c67-4c5b-b112-36a304b66dad"
    good = token({"iss": f"https://login.example.com/{tid}/v2.0", "tid": tid})
    foreign = token({"iss": "https://login.example.com/other-tenant/v2.0", "tid": tid})

    assert verify(good, issuer=TEMPLATE)["tid"] == tid
    for value in (foreign, token({"iss": f"https://login.example.com/{tid}/v2.0"})):
        with pytest.raises(OAuthIdTokenInvalid):
            verify(value, issuer=TEMPLATE)


def test_microsoft_profile_prefers_oid_and_falls_back_to_preferred_username() -> None:
    profile = profile_of("microsoft", {"sub": "pairwise", "oid": "oid-1", "preferred_username": " Mia@Contoso.com "})

    assert (profile.subject, profile.email, profile.name) == ("oid-1", "mia@contoso.com", "mia")
    assert profile_of("microsoft", {"sub": "pairwise", "email": "a@b.c"}).subject == "pairwise"


def test_google_profile_uses_sub_and_ignores_preferred_username() -> None:
    profile = profile_of("google", {"sub": "g1", "oid": "ignored", "email": "G@X.com", "name": " Grace "})

    assert (profile.subject, profile.email, profile.name) == ("g1", "g@x.com", "Grace")
    with pytest.raises(OAuthIdTokenInvalid):
        profile_of("google", {"sub": "g1", "preferred_username": "g@x.com"})


@pytest.mark.parametrize("flag", [False, "false", "False"])
def test_an_email_marked_unverified_is_refused(flag: object) -> None:
    with pytest.raises(OAuthEmailNotVerified):
        profile_of("google", {"sub": "g1", "email": "g@x.com", "email_verified": flag})


def test_configured_providers_lists_those_with_a_client_id_in_order() -> None:
    assert configured_providers(IdentitySettings(internal_api_token="t", ms_client_id="m", google_client_id="g")) == [
        "google",
        "microsoft",
    ]
    assert configured_providers(IdentitySettings(internal_api_token="t", ms_client_id="m", google_client_id=" ")) == [
        "microsoft"
    ]
    assert (
        configured_providers(IdentitySettings(internal_api_token="t", ms_client_id=None, google_client_id=None)) == []
    )
