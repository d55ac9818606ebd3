"""Rotating the signing key: the new key is configured first, the old one stays published until the
tokens it signed have expired (config.md, JWT_PRIVATE_KEY with several PEM keys)."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from joserfc.jwk import RSAKey

from identity.settings import IdentitySettings
from identity.signing.keys import LocalKeySource, SigningKeys
from identity.signing.tokens import AccessSubject, TokenIssuer
from shared.auth import InvalidToken, TokenVerifier
from shared.clock import ManualClock

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
OLD_PEM = RSAKey.generate_key(2048).as_pem(private=True).decode()
NEW_PEM = RSAKey.generate_key(2048).as_pem(private=True).decode()


def issuer_for(keys: SigningKeys, clock: ManualClock) -> TokenIssuer:
    return TokenIssuer(keys, clock, access_lifetime=timedelta(minutes=15), refresh_lifetime=timedelta(days=7))


def header_kid(token: str) -> str:
    head = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])


def subject() -> AccessSubject:
    return AccessSubject(
        user_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        account_role="owner",
        is_super_admin=False,
        email_verified_at=None,
        user_created_at=NOW,
    )


async def test_tokens_signed_before_a_rotation_still_verify_after_it() -> None:
    clock = ManualClock(NOW)
    before = SigningKeys.load(OLD_PEM, "unused")
    old_access = issuer_for(before, clock).access_token(subject())
    old_refresh = issuer_for(before, clock).refresh_token(uuid.uuid4()).token

    # the rotation: the new key goes first (it signs), the old one stays (it verifies)
    after = SigningKeys.load(NEW_PEM + "\n" + OLD_PEM, "unused")
    verifier = TokenVerifier(LocalKeySource(after), clock)
    new_access = issuer_for(after, clock).access_token(subject())

    await verifier.verify_access(old_access)
    await verifier.verify(old_refresh, "refresh")
    await verifier.verify_access(new_access)
    assert header_kid(old_access) == before.signing_key.kid
    assert header_kid(new_access) == after.signing_key.kid != before.signing_key.kid
    assert [k["kid"] for k in after.jwks()["keys"]] == [after.signing_key.kid, before.signing_key.kid]


async def test_once_the_old_key_is_dropped_its_tokens_are_refused() -> None:
    clock = ManualClock(NOW)
    old_access = issuer_for(SigningKeys.load(OLD_PEM, "unused"), clock).access_token(subject())
    only_new = TokenVerifier(LocalKeySource(SigningKeys.load(NEW_PEM, "unused")), clock)

    with pytest.raises(InvalidToken):
        await only_new.verify_access(old_access)


def test_settings_accept_several_keys_in_one_environment_line() -> None:
    one_line = (NEW_PEM + OLD_PEM).replace("\n", "\\n")

    settings = IdentitySettings(jwt_private_key=one_line)
    keys = SigningKeys.load(settings.jwt_private_key, "unused")

    assert [k.kid for k in keys.keys] == [RSAKey.import_key(p).thumbprint() for p in (NEW_PEM, OLD_PEM)]
