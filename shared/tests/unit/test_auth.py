import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

import shared.auth as shared_auth
from shared.auth import InvalidToken, JwksCache, TokenVerifier
from shared.clock import ManualClock, SystemClock
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


class SwappableKeys:
    """A key source whose key for a kid can be replaced, as a JWKS refresh after a rotation does."""

    def __init__(self, signer: TestSigner) -> None:
        self.kid = signer.kid
        self.current = signer.private_key

    async def key(self, kid: str) -> RSAKey:
        if kid != self.kid:
            raise InvalidToken("unknown kid")
        return self.current


def counting_decode(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = shared_auth.jwt.decode

    def decode(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(shared_auth.jwt, "decode", decode)
    return calls


async def test_a_token_presented_again_is_not_verified_again(
    signer: TestSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_decode(monkeypatch)
    verifier = TokenVerifier(signer, SystemClock())
    token = signer.access_token(account_role="admin")

    first = await verifier.verify_access(token)
    again = await verifier.verify_access(token)

    assert first == again
    assert calls == [token]


async def test_a_remembered_token_still_expires(signer: TestSigner) -> None:
    clock = ManualClock()
    verifier = TokenVerifier(signer, clock)
    token = signer.access_token(expires_in=60)
    await verifier.verify_access(token)

    clock.advance(timedelta(seconds=61))

    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify_access(token)


async def test_a_remembered_token_is_checked_afresh_once_its_key_is_replaced(signer: TestSigner) -> None:
    keys = SwappableKeys(signer)
    verifier = TokenVerifier(keys, SystemClock())
    token = signer.access_token()
    await verifier.verify_access(token)

    keys.current = TestSigner(kid=signer.kid).private_key  # same kid, another key: the old signature is void

    with pytest.raises(InvalidToken, match="signature"):
        await verifier.verify_access(token)


async def test_a_remembered_token_is_still_refused_as_the_wrong_type(signer: TestSigner) -> None:
    verifier = TokenVerifier(signer, SystemClock())
    token = signer.access_token(token_type="refresh")
    await verifier.verify(token, "refresh")

    with pytest.raises(InvalidToken, match="type"):
        await verifier.verify_access(token)


async def test_at_most_the_stated_number_of_tokens_are_remembered(
    signer: TestSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_decode(monkeypatch)
    verifier = TokenVerifier(signer, SystemClock(), remembered=2)
    first, second, third = (signer.access_token() for _ in range(3))
    for token in (first, second, third, third, first):
        await verifier.verify_access(token)

    assert calls == [first, second, third, first]  # the first was forgotten to make room for the third


async def test_a_verifier_told_to_remember_nothing_verifies_every_time(
    signer: TestSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_decode(monkeypatch)
    verifier = TokenVerifier(signer, SystemClock(), remembered=0)
    token = signer.access_token()

    await verifier.verify_access(token)
    await verifier.verify_access(token)

    assert calls == [token, token]
