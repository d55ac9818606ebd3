import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from shared.auth import InvalidToken, TokenVerifier
from shared.clock import SystemClock
from shared.testing import TestSigner


@pytest.fixture(scope="module")
def signer() -> TestSigner:
    return TestSigner()


async def test_valid_access_token_yields_its_claims(signer: TestSigner) -> None:
    user_id, account_id = uuid.uuid4(), uuid.uuid4()
    token = signer.access_token(user_id=user_id, account_id=account_id, account_role="admin")
    claims = await TokenVerifier(signer, SystemClock()).verify_access(token)
    assert claims.user_id == user_id
    assert claims.account_id == account_id
    assert claims.account_role == "admin"


async def test_expired_token_is_refused(signer: TestSigner) -> None:
    token = signer.access_token(expires_in=-1)
    with pytest.raises(InvalidToken, match="expired"):
        await TokenVerifier(signer, SystemClock()).verify_access(token)


async def test_refresh_token_is_refused_where_access_is_expected(signer: TestSigner) -> None:
    token = signer.access_token(token_type="refresh")
    with pytest.raises(InvalidToken, match="type"):
        await TokenVerifier(signer, SystemClock()).verify_access(token)


async def test_tampered_payload_is_refused(signer: TestSigner) -> None:
    header, payload, signature = signer.access_token().split(".")
    other = signer.access_token(is_super_admin=True).split(".")[1]
    with pytest.raises(InvalidToken):
        await TokenVerifier(signer, SystemClock()).verify_access(f"{header}.{other[:-2]}{payload[-2:]}.{signature}")


async def test_hs256_token_is_refused_even_with_a_known_kid(signer: TestSigner) -> None:
    key = OctKey.import_key(b"x" * 32)
    now = int(time.time())
    token = jwt.encode(
        {"alg": "HS256", "kid": signer.kid},
        {"sub": str(uuid.uuid4()), "type": "access", "jti": "j", "iat": now, "exp": now + 60},
        key,
    )
    with pytest.raises(InvalidToken, match="alg"):
        await TokenVerifier(signer, SystemClock()).verify_access(token)


async def test_unknown_kid_is_refused(signer: TestSigner) -> None:
    stranger = TestSigner(kid="other")
    with pytest.raises(InvalidToken, match="kid"):
        await TokenVerifier(signer, SystemClock()).verify_access(stranger.access_token())
