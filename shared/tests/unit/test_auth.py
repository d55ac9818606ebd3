import time
import uuid

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from shared.auth import InvalidToken, JwksCache, TokenVerifier
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


def jwks_of(*signers: TestSigner) -> dict[str, object]:
    return {"keys": [s.private_key.as_dict(private=False) for s in signers]}


async def test_rotated_key_is_fetched_when_a_token_names_an_unknown_kid() -> None:
    old, new = TestSigner(kid="old"), TestSigner(kid="new")
    published = {"jwks": jwks_of(old)}
    fetches = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetches.append(request.url.path)
        return httpx.Response(200, json=published["jwks"])

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
        verifier = TokenVerifier(
            JwksCache("http://identity/.well-known/jwks.json", http, min_refetch_seconds=0), SystemClock()
        )
        await verifier.verify_access(old.access_token())
        await verifier.verify_access(old.access_token())
        assert len(fetches) == 1  # cached

        published["jwks"] = jwks_of(new, old)  # identity rotated: new key signs, old still published
        await verifier.verify_access(new.access_token())
        await verifier.verify_access(old.access_token())
    assert len(fetches) == 2


async def test_unknown_kid_does_not_refetch_more_than_once_per_interval() -> None:
    known = TestSigner(kid="known")
    fetches = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetches.append(1)
        return httpx.Response(200, json=jwks_of(known))

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as http:
        verifier = TokenVerifier(JwksCache("http://identity/jwks", http, min_refetch_seconds=60), SystemClock())
        await verifier.verify_access(known.access_token())
        for _ in range(5):
            with pytest.raises(InvalidToken):
                await verifier.verify_access(TestSigner(kid="forged").access_token())
    assert len(fetches) == 1


async def test_unreachable_key_endpoint_is_keys_unavailable_not_a_bad_token() -> None:
    from shared.auth import KeysUnavailable

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        verifier = TokenVerifier(JwksCache("http://identity/jwks", http), SystemClock())
        with pytest.raises(KeysUnavailable):
            await verifier.verify_access(TestSigner().access_token())
