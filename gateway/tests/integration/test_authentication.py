import time
import uuid

import httpx
import pytest
from fakes import GatewayFactory, bearer
from joserfc import jwt
from joserfc.jwk import OctKey

from shared.testing import TestSigner

INVALID = {"detail": "Could not validate credentials"}


def hs256_token() -> str:
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "type": "access", "jti": "j", "iat": now, "exp": now + 600}
    return jwt.encode({"alg": "HS256", "kid": "test-key"}, claims, OctKey.generate_key(256))


async def test_missing_token_is_401_not_authenticated(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/auth/me")
    assert (response.status_code, response.json()) == (401, {"detail": "Not authenticated"})
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("kind", ["tampered", "expired", "refresh", "hs256", "other_key", "garbage"])
async def test_bad_token_is_401_could_not_validate(gateway: httpx.AsyncClient, signer: TestSigner, kind: str) -> None:
    good = signer.access_token(account_id=uuid.uuid4())
    header, payload, signature = good.split(".")
    tokens = {
        "tampered": f"{header}.{payload}.{signature[:-4]}AAAA",
        "expired": signer.access_token(account_id=uuid.uuid4(), expires_in=-5),
        "refresh": signer.access_token(account_id=uuid.uuid4(), token_type="refresh"),
        "hs256": hs256_token(),
        "other_key": TestSigner(kid="unknown-kid").access_token(),
        "garbage": "not-a-jwt",
    }
    response = await gateway.get("/api/v1/auth/me", headers=bearer(tokens[kind]))
    assert (response.status_code, response.json()) == (401, INVALID)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_valid_token_reaches_authenticated_route(gateway: httpx.AsyncClient, signer: TestSigner) -> None:
    user = uuid.uuid4()
    response = await gateway.get("/api/v1/auth/me", headers=bearer(signer.access_token(user_id=user)))
    assert response.status_code == 200
    assert response.json()["path"] == "/api/v1/auth/me"


async def test_tenant_route_without_account_is_403_no_account(gateway: httpx.AsyncClient, signer: TestSigner) -> None:
    response = await gateway.get("/api/v1/billing/state", headers=bearer(signer.access_token(account_id=None)))
    assert (response.status_code, response.json()) == (403, {"detail": {"error": "no_account"}})


async def test_admin_route_needs_super_admin(gateway: httpx.AsyncClient, signer: TestSigner) -> None:
    plain = await gateway.get("/api/v1/admin/settings", headers=bearer(signer.access_token(account_id=uuid.uuid4())))
    assert (plain.status_code, plain.json()) == (403, {"detail": "Not enough permissions"})
    admin = await gateway.get("/api/v1/admin/settings", headers=bearer(signer.access_token(is_super_admin=True)))
    assert admin.status_code == 200
    assert admin.json()["service"] == "identity"


async def test_identity_keys_unreachable_is_503_not_a_401(gateway_client: GatewayFactory, signer: TestSigner) -> None:
    async with gateway_client(identity_internal_url="http://127.0.0.1:1") as gateway:
        response = await gateway.get("/api/v1/auth/me", headers=bearer(signer.access_token(account_id=uuid.uuid4())))
    assert (response.status_code, response.json()) == (503, {"detail": {"error": "auth_unavailable"}})
