"""Forged, expired and misused tokens are 401 at the gateway and directly at a service.

Tokens carry no `iss`/`aud` (identity/signing/tokens.py): trust comes from identity's RS256 key alone, so an
`iss`/`aud` claim only appears in forgeries below, and none of them gets anything but 401."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.e2e.conftest import RunningStack

from .conftest import Secrets, Shop, new_shop

INVALID = {"detail": "Could not validate credentials"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decoded(part: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return decoded(header), decoded(payload), signature


def compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def escalated(claims: dict[str, Any]) -> dict[str, Any]:
    """The claims an attacker wants: super admin, owner, fresh."""
    now = int(time.time())
    return {**claims, "is_super_admin": True, "account_role": "owner", "iat": now, "exp": now + 900}


def identity_key(running_stack: RunningStack) -> RSAKey:
    """Identity's real signing key (the e2e stack keeps it in a file), for tokens only expiry should sink."""
    pem = Path(running_stack.stack.env["JWT_PRIVATE_KEY_FILE"]).read_text()
    key = RSAKey.import_key(pem)
    return RSAKey.import_key(pem, parameters={"kid": key.thumbprint()})


@pytest.fixture(scope="module")
async def victim(running_stack: RunningStack, secrets_seen: Secrets) -> Shop:
    async with httpx.AsyncClient(base_url=running_stack.gateway_url, timeout=15.0) as gateway:
        return await new_shop(gateway, secrets_seen, tag="victim")


@pytest.fixture(scope="module")
async def jwks(running_stack: RunningStack) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=running_stack.url("identity")) as identity:
        answer = await identity.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    [key] = answer.json()["keys"]
    return dict(key)


def forgeries(victim: Shop, jwks: dict[str, Any], real_key: RSAKey) -> dict[str, str]:
    header, claims, _ = segments(victim.tokens["access_token"])
    wanted = escalated(claims)
    public_pem = RSAKey.import_key(jwks).as_pem(private=False)
    attacker = RSAKey.generate_key(2048, parameters={"kid": jwks["kid"]})
    stranger = RSAKey.generate_key(2048, parameters={"kid": "attacker-key"})
    now = int(time.time())
    return {
        "alg none": compact({"alg": "none", "kid": jwks["kid"], "typ": "JWT"}, wanted),
        "alg none, no kid": compact({"alg": "none", "typ": "JWT"}, wanted),
        "HS256 with the public PEM": hs256({"alg": "HS256", "kid": jwks["kid"], "typ": "JWT"}, wanted, public_pem),
        "HS256 with the JWKS n": hs256(
            {"alg": "HS256", "kid": jwks["kid"], "typ": "JWT"}, wanted, base64.urlsafe_b64decode(jwks["n"] + "==")
        ),
        "HS256 with the JWKS json": hs256(
            {"alg": "HS256", "kid": jwks["kid"], "typ": "JWT"}, wanted, json.dumps(jwks).encode()
        ),
        "another key under the real kid, iss/aud of the platform": jwt.encode(
            {"alg": "RS256", "kid": jwks["kid"]}, {**wanted, "iss": "identity", "aud": "gateway"}, attacker
        ),
        "unknown kid": jwt.encode({"alg": "RS256", "kid": "attacker-key"}, wanted, stranger),
        "tampered claims, original signature": compact(header, wanted).rstrip(".")
        + "."
        + victim.tokens["access_token"].rsplit(".", 1)[1],
        "expired, signed by identity": jwt.encode(
            {"alg": "RS256", "kid": real_key.kid}, {**claims, "iat": now - 3600, "exp": now - 60}, real_key
        ),
        "refresh token used as access": victim.tokens["refresh_token"],
        "access claims in a refresh-typed token, signed by identity": jwt.encode(
            {"alg": "RS256", "kid": real_key.kid}, {**claims, "type": "refresh"}, real_key
        ),
        "not a JWT": "not-a-token",
        "empty signature": victim.tokens["access_token"].rsplit(".", 1)[0] + ".",
    }


CASES = [
    "alg none",
    "alg none, no kid",
    "HS256 with the public PEM",
    "HS256 with the JWKS n",
    "HS256 with the JWKS json",
    "another key under the real kid, iss/aud of the platform",
    "unknown kid",
    "tampered claims, original signature",
    "expired, signed by identity",
    "refresh token used as access",
    "access claims in a refresh-typed token, signed by identity",
    "not a JWT",
    "empty signature",
]


@pytest.mark.parametrize("case", CASES)
async def test_forged_or_misused_access_token_is_401_at_the_gateway_and_at_each_service(
    running_stack: RunningStack, victim: Shop, jwks: dict[str, Any], case: str
) -> None:
    token = forgeries(victim, jwks, identity_key(running_stack))[case]
    headers = {"Authorization": f"Bearer {token}"}
    targets = [
        (running_stack.gateway_url, "/api/v1/auth/me"),
        (running_stack.gateway_url, "/api/v1/admin/users"),
        (running_stack.gateway_url, "/api/v1/billing/state"),
        (running_stack.url("identity"), "/api/v1/auth/me"),
        (running_stack.url("identity"), "/api/v1/admin/users"),
        (running_stack.url("billing"), "/api/v1/billing/state"),
        (running_stack.url("billing"), "/api/v1/admin/plan-limits"),
        (running_stack.url("onboarding"), "/api/v1/users/onboarding-status"),
        (running_stack.url("notifications"), "/api/v1/admin/notifications"),
    ]
    async with httpx.AsyncClient(timeout=15.0) as client:
        for base, path in targets:
            answer = await client.get(base + path, headers=headers)
            assert answer.status_code == 401, (case, base, path, answer.status_code, answer.text)
            assert answer.json() == INVALID, (case, path)


async def test_the_victims_real_token_still_works_and_grants_no_admin(
    running_stack: RunningStack, victim: Shop
) -> None:
    async with httpx.AsyncClient(base_url=running_stack.gateway_url, timeout=15.0) as gateway:
        me = await gateway.get("/api/v1/auth/me", headers=victim.headers)
        admin = await gateway.get("/api/v1/admin/users", headers=victim.headers)
    assert me.status_code == 200
    assert me.json()["is_super_admin"] is False
    assert admin.status_code == 403


@pytest.mark.parametrize(
    "case", ["access token", "forged refresh (alg none)", "refresh signed by another key", "expired refresh"]
)
async def test_refresh_with_anything_but_a_live_refresh_token_is_401(
    running_stack: RunningStack, victim: Shop, jwks: dict[str, Any], secrets_seen: Secrets, case: str
) -> None:
    _, refresh_claims, _ = segments(victim.tokens["refresh_token"])
    real_key = identity_key(running_stack)
    now = int(time.time())
    token = {
        "access token": victim.tokens["access_token"],
        "forged refresh (alg none)": compact({"alg": "none", "kid": jwks["kid"]}, {**refresh_claims, "jti": "x"}),
        "refresh signed by another key": jwt.encode(
            {"alg": "RS256", "kid": jwks["kid"]},
            {**refresh_claims, "jti": uuid.uuid4().hex},
            RSAKey.generate_key(2048),
        ),
        "expired refresh": jwt.encode(
            {"alg": "RS256", "kid": real_key.kid}, {**refresh_claims, "iat": now - 60, "exp": now - 1}, real_key
        ),
    }[case]
    async with httpx.AsyncClient(base_url=running_stack.gateway_url, timeout=15.0) as gateway:
        in_body = await gateway.post("/api/v1/auth/refresh", json={"refresh_token": token})
        in_header = await gateway.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {token}"})
        still_usable = await gateway.post(
            "/api/v1/auth/refresh", json={"refresh_token": victim.tokens["refresh_token"]}
        )
    for answer in (in_body, in_header):
        assert answer.status_code == 401, (case, answer.text)
        assert answer.json() == {"detail": {"error": "invalid_refresh_token"}}
    # none of the attempts burnt the victim's family: the genuine refresh token still rotates once
    assert still_usable.status_code == 200, still_usable.text
    victim.tokens.update(still_usable.json())
    secrets_seen.add("access token", victim.tokens["access_token"])
    secrets_seen.add("refresh token", victim.tokens["refresh_token"])


async def test_foreign_iss_and_aud_claims_grant_nothing_beyond_the_signed_subject(
    running_stack: RunningStack, victim: Shop
) -> None:
    """Only identity's key makes a token valid; `iss`/`aud` are not part of the contract, so even identity-signed
    claims naming another issuer/audience authenticate the same subject with the same (non-admin) rights."""
    real_key = identity_key(running_stack)
    _, claims, _ = segments(victim.tokens["access_token"])
    now = int(time.time())
    token = jwt.encode(
        {"alg": "RS256", "kid": real_key.kid},
        {**claims, "iss": "https://evil.example", "aud": ["billing", "admin"], "iat": now, "exp": now + 300},
        real_key,
    )
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=running_stack.gateway_url, timeout=15.0) as gateway:
        me = await gateway.get("/api/v1/auth/me", headers=headers)
        admin = await gateway.get("/api/v1/admin/users", headers=headers)
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["is_super_admin"]) == (victim.user_id, False)
    assert admin.status_code == 403
