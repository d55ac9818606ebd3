import os
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from joserfc.jwk import RSAKey

from identity.signing.keys import LocalKeySource, SigningKeys, parse_private_keys
from identity.signing.tokens import AccessSubject, TokenIssuer, access_claims
from shared.auth import InvalidToken, TokenVerifier
from shared.clock import ManualClock

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)


def pem() -> str:
    return RSAKey.generate_key(2048).as_pem(private=True).decode()


def subject(**overrides: object) -> AccessSubject:
    values: dict[str, object] = {
        "user_id": uuid.uuid4(),
        "account_id": uuid.uuid4(),
        "account_role": "owner",
        "is_super_admin": False,
        "email_verified_at": None,
        "user_created_at": NOW - timedelta(days=1),
        **overrides,
    }
    return AccessSubject(**values)  # type: ignore[arg-type]


def issuer(keys: SigningKeys, clock: ManualClock) -> TokenIssuer:
    return TokenIssuer(keys, clock, access_lifetime=timedelta(minutes=15), refresh_lifetime=timedelta(days=7))


def test_access_claims_are_exactly_those_of_the_contract() -> None:
    who = subject(email_verified_at=NOW)

    claims = access_claims(who, now=NOW, lifetime=timedelta(minutes=15), jti="abc")

    assert claims == {
        "sub": str(who.user_id),
        "account_id": str(who.account_id),
        "account_role": "owner",
        "is_super_admin": False,
        "email_verified_at": "2026-05-06T12:00:00+00:00",
        "user_created_at": "2026-05-05T12:00:00+00:00",
        "type": "access",
        "jti": "abc",
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 900,
    }


async def test_issued_access_token_verifies_and_expires_after_its_lifetime() -> None:
    keys = SigningKeys(tuple(parse_private_keys(pem())))
    clock = ManualClock(NOW)
    verifier = TokenVerifier(LocalKeySource(keys), clock)
    who = subject()
    token = issuer(keys, clock).access_token(who)

    claims = await verifier.verify_access(token)
    assert claims.user_id == who.user_id
    with pytest.raises(InvalidToken):
        await verifier.verify(token, "refresh")
    clock.advance(timedelta(minutes=15))
    with pytest.raises(InvalidToken):
        await verifier.verify_access(token)


async def test_refresh_token_has_its_own_type_and_lifetime() -> None:
    keys = SigningKeys(tuple(parse_private_keys(pem())))
    clock = ManualClock(NOW)
    issued = issuer(keys, clock).refresh_token(uuid.uuid4())
    verifier = TokenVerifier(LocalKeySource(keys), clock)

    claims = await verifier.verify(issued.token, "refresh")

    assert set(claims) == {"sub", "type", "jti", "iat", "exp"}
    assert claims["jti"] == issued.jti
    assert issued.expires_at == NOW + timedelta(days=7)
    with pytest.raises(InvalidToken):
        await verifier.verify_access(issued.token)


async def test_all_configured_keys_are_published_and_the_first_signs() -> None:
    first, second = pem(), pem()
    keys = SigningKeys(tuple(parse_private_keys(first + "\n" + second)))
    old_keys = SigningKeys(tuple(parse_private_keys(second)))
    clock = ManualClock(NOW)

    published = keys.jwks()["keys"]
    token_by_old_key = issuer(old_keys, clock).access_token(subject())

    assert [k["kid"] for k in published] == [RSAKey.import_key(p).thumbprint() for p in (first, second)]
    assert keys.signing_key.kid == published[0]["kid"]
    assert all(set(k) == {"kty", "kid", "use", "alg", "n", "e"} for k in published)
    # a token signed by the retiring key still verifies while that key is published
    await TokenVerifier(LocalKeySource(keys), clock).verify_access(token_by_old_key)


@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
def test_malformed_or_weak_keys_are_refused() -> None:
    weak = RSAKey.generate_key(1024).as_pem(private=True).decode()
    for text in ("", "not a key", weak):
        with pytest.raises(ValueError, match=r"."):
            parse_private_keys(text)


def test_a_missing_key_file_is_generated_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "key.pem"

    first = SigningKeys.load(None, str(path))
    second = SigningKeys.load(None, str(path))

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.signing_key.kid == second.signing_key.kid


def test_a_key_given_in_settings_wins_over_the_file(tmp_path: Path) -> None:
    given = pem()

    keys = SigningKeys.load(given, str(tmp_path / "unused.pem"))

    assert keys.signing_key.kid == RSAKey.import_key(given).thumbprint()
    assert not (tmp_path / "unused.pem").exists()
